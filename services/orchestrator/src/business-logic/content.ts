/**
 * Content distribution: a piece published in the CMS (an MDX file or a Wagtail page) becomes a
 * summary, keywords and one post per platform (X, Instagram, YouTube, LinkedIn) queued on a
 * schedule, and a newsletter to every lead who has not unsubscribed.
 *
 * Parsing the event is content-parsing.ts, the summary and posts content-adaptation.ts, posting
 * them posting.ts, the newsletter newsletter.ts and unsubscribing subscriptions.ts; the SQL is in
 * data-access/content.ts and data-access/social-posts.ts.
 */
import type pg from "pg";
import { contentIdOf, insertContentPiece } from "../data-access/content.ts";
import { withTransaction } from "../data-access/database.ts";
import { insertSocialPost } from "../data-access/social-posts.ts";
import { adaptPiece, type ContentPiece } from "./content-adaptation.ts";
import type { ContentMedia } from "./posting.ts";

/**
 * Stores a published piece and queues its posts. A second publish of the same piece (same source
 * and slug or page id) changes nothing and answers the stored piece: a retried CMS hook posts once.
 */
export async function publishContent(
  pool: pg.Pool,
  piece: ContentPiece,
  options: Parameters<typeof adaptPiece>[1] = {},
  media: ContentMedia = {},
): Promise<{ contentId: string; created: boolean }> {
  const adaptation = adaptPiece(piece, options);
  return withTransaction(pool, async (db) => {
    const contentId = await insertContentPiece(db, {
      ...piece,
      summary: adaptation.summary,
      keywords: adaptation.keywords,
      ...media,
    });
    if (!contentId) {
      return { contentId: (await contentIdOf(db, piece.source, piece.externalId))!, created: false };
    }
    for (const p of adaptation.posts) await insertSocialPost(db, contentId, p);
    return { contentId, created: true };
  });
}
