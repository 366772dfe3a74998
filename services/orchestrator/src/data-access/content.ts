/**
 * Published pieces, their newsletter deliveries, and the read of a piece with its posts.
 */
import type { Queryable } from "./database.ts";
import { POST_COLUMNS, type SocialPostRow } from "./social-posts.ts";

export interface ContentRecord {
  source: "mdx" | "wagtail";
  externalId: string;
  title: string;
  url: string;
  text: string;
  summary: string;
  keywords: string[];
  publishedAt: Date;
  videoUrl?: string;
  imageUrl?: string;
  projectId?: string;
}

/** The new piece's id; null when this source already has a piece with this id. */
export async function insertContentPiece(db: Queryable, piece: ContentRecord): Promise<string | null> {
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO content_pieces (source, external_id, title, url, body_text, summary, keywords, published_at,
                                   video_url, image_url, project_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (source, external_id) DO NOTHING RETURNING id`,
    [
      piece.source,
      piece.externalId,
      piece.title,
      piece.url,
      piece.text,
      piece.summary,
      piece.keywords,
      piece.publishedAt,
      piece.videoUrl ?? null,
      piece.imageUrl ?? null,
      piece.projectId ?? null,
    ],
  );
  return inserted.rows[0]?.id ?? null;
}

export async function contentIdOf(
  db: Queryable,
  source: ContentRecord["source"],
  externalId: string,
): Promise<string | undefined> {
  const existing = await db.query<{ id: string }>(
    "SELECT id FROM content_pieces WHERE source = $1 AND external_id = $2",
    [source, externalId],
  );
  return existing.rows[0]?.id;
}

export async function getContent(db: Queryable, contentId: string) {
  const piece = await db.query(
    `SELECT id, source, external_id, title, url, summary, keywords, published_at, created_at
     FROM content_pieces WHERE id = $1`,
    [contentId],
  );
  if (!piece.rows[0]) return null;
  const posts = await db.query<SocialPostRow>(
    `SELECT ${POST_COLUMNS} FROM social_posts WHERE content_id = $1 ORDER BY scheduled_at, platform`,
    [contentId],
  );
  const newsletter = await db.query<{ status: string; n: number }>(
    "SELECT status, count(*)::int AS n FROM newsletter_deliveries WHERE content_id = $1 GROUP BY status",
    [contentId],
  );
  return {
    ...piece.rows[0],
    posts: posts.rows,
    newsletter: Object.fromEntries(newsletter.rows.map((r) => [r.status, r.n])),
  };
}

/** What a newsletter shows of a piece; null when there is no such piece. */
export async function newsletterPiece(
  db: Queryable,
  contentId: string,
): Promise<{ title: string; url: string; summary: string } | null> {
  const piece = await db.query<{ title: string; url: string; summary: string }>(
    "SELECT title, url, summary FROM content_pieces WHERE id = $1",
    [contentId],
  );
  return piece.rows[0] ?? null;
}

export interface NewsletterDelivery {
  email: string;
  lead_id: string;
  status: string;
  idempotency_key: string;
}

/**
 * One delivery row per address among the leads that has not unsubscribed (the address's first
 * lead), added to those already there, and every delivery of the piece.
 */
export async function newsletterDeliveries(db: Queryable, contentId: string): Promise<NewsletterDelivery[]> {
  await db.query(
    `INSERT INTO newsletter_deliveries (content_id, email, lead_id, idempotency_key)
     SELECT DISTINCT ON (lower(l.email)) $1::uuid, lower(l.email), l.id,
            'newsletter-' || $1 || '-' || md5(lower(l.email))
     FROM leads l
     WHERE NOT EXISTS (SELECT 1 FROM leads u WHERE lower(u.email) = lower(l.email) AND u.unsubscribed_at IS NOT NULL)
     ORDER BY lower(l.email), l.created_at
     ON CONFLICT DO NOTHING`,
    [contentId],
  );
  const all = await db.query<NewsletterDelivery>(
    "SELECT email, lead_id, status, idempotency_key FROM newsletter_deliveries WHERE content_id = $1 ORDER BY email",
    [contentId],
  );
  return all.rows;
}

export async function markNewsletterSent(
  db: Queryable,
  contentId: string,
  email: string,
  sent: { provider: string; messageId: string },
): Promise<void> {
  await db.query(
    `UPDATE newsletter_deliveries SET status = 'sent', provider = $3, message_id = $4, sent_at = now(), error = NULL
         WHERE content_id = $1 AND email = $2`,
    [contentId, email, sent.provider, sent.messageId],
  );
}

export async function markNewsletterFailed(
  db: Queryable,
  contentId: string,
  email: string,
  error: string,
): Promise<void> {
  await db.query(
    "UPDATE newsletter_deliveries SET status = 'failed', error = $3 WHERE content_id = $1 AND email = $2",
    [contentId, email, error],
  );
}
