/**
 * The social posts of published pieces: queueing them, claiming what is due for the dispatcher
 * (business-logic/posting.ts) and recording each attempt under its claim token, the operator's
 * resolution of a post that needs one, and what the dry-run adapter would have posted.
 */
import type { AdaptedPost, Platform } from "../business-logic/content-adaptation.ts";
import type { Queryable } from "./database.ts";

export interface SocialPostRow {
  id: string;
  content_id: string;
  platform: Platform;
  title: string | null;
  text_body: string;
  hashtags: string[];
  link: string | null;
  scheduled_at: Date;
  status: "scheduled" | "posting" | "posted" | "failed";
  adapter: string | null;
  external_id: string | null;
  attempts: number;
  error: string | null;
  posted_at: Date | null;
}

export const POST_COLUMNS =
  "id, content_id, platform, title, text_body, hashtags, link, scheduled_at, status, adapter, external_id, attempts, error, posted_at";

export async function insertSocialPost(db: Queryable, contentId: string, p: AdaptedPost): Promise<void> {
  await db.query(
    `INSERT INTO social_posts (content_id, platform, title, text_body, hashtags, link, scheduled_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [contentId, p.platform, p.title, p.text, p.hashtags, p.link, p.scheduledAt],
  );
}

/** A post as the dispatcher holds it: its claim, and what an earlier attempt left. */
export type ClaimedPost = SocialPostRow & {
  claim_token: string;
  in_flight_since: Date | null;
  platform_state: Record<string, unknown>;
};

/**
 * Claims up to `limit` due posts with a fresh claim token; a post left `posting` longer than the
 * lease (its dispatcher died) is claimed again.
 */
export async function claimDuePosts(
  db: Queryable,
  limit: number,
  leaseSeconds: number,
): Promise<ClaimedPost[]> {
  const { rows } = await db.query<ClaimedPost>(
    `UPDATE social_posts SET status = 'posting', claim_token = gen_random_uuid(), updated_at = now()
     WHERE id IN (
       SELECT id FROM social_posts
       WHERE scheduled_at <= now()
         AND (status = 'scheduled' OR (status = 'posting' AND updated_at < now() - make_interval(secs => $2)))
       ORDER BY scheduled_at LIMIT $1 FOR UPDATE SKIP LOCKED)
     RETURNING ${POST_COLUMNS}, claim_token, in_flight_since, platform_state`,
    [limit, leaseSeconds],
  );
  return rows;
}

/** Every write of an attempt holds its claim: a dispatcher whose lease ran out changes nothing. */
const updateClaimed = (db: Queryable, post: ClaimedPost, set: string, params: unknown[] = []) =>
  db.query(`UPDATE social_posts SET ${set}, updated_at = now() WHERE id = $1 AND claim_token = $2`, [
    post.id,
    post.claim_token,
    ...params,
  ]);

/** Keeps what the platform handed out half-way (a media container id) for the next attempt. */
export async function savePlatformState(db: Queryable, post: ClaimedPost): Promise<void> {
  await updateClaimed(db, post, "platform_state = $3", [JSON.stringify(post.platform_state)]);
}

export async function recordPosted(
  db: Queryable,
  post: ClaimedPost,
  adapter: string,
  externalId: string,
): Promise<void> {
  await updateClaimed(
    db,
    post,
    `status = 'posted', adapter = $3, external_id = $4, posted_at = now(), error = NULL,
       in_flight_since = NULL, claim_token = NULL`,
    [adapter, externalId],
  );
}

/** Back to the queue until `until`; the in-flight mark stays unless this attempt `settled` it. */
export async function holdPost(
  db: Queryable,
  post: ClaimedPost,
  until: Date,
  message: string,
  settled: boolean,
): Promise<void> {
  await updateClaimed(
    db,
    post,
    `status = 'scheduled', scheduled_at = $3, error = $4, claim_token = NULL,
       in_flight_since = CASE WHEN $5 THEN NULL ELSE in_flight_since END`,
    [until, message, settled],
  );
}

export async function markNeedsOperator(db: Queryable, post: ClaimedPost, message: string): Promise<void> {
  await updateClaimed(db, post, "status = 'needs_operator', error = $3, claim_token = NULL", [message]);
}

/** Marks the post in flight just before its platform is called; null when the claim was lost. */
export async function markInFlight(db: Queryable, post: ClaimedPost): Promise<Date | null> {
  const started = await db.query<{ in_flight_since: Date }>(
    `UPDATE social_posts SET in_flight_since = now(), updated_at = now()
         WHERE id = $1 AND claim_token = $2 RETURNING in_flight_since`,
    [post.id, post.claim_token],
  );
  return started.rows[0]?.in_flight_since ?? null;
}

/**
 * A failed attempt: `refused` fails the post at once, anything else is retried with backoff (1, 2,
 * 4, 8 minutes) until `maxAttempts`; `keepInFlight` keeps the mark, so the next attempt looks first.
 */
export async function recordPostFailure(
  db: Queryable,
  post: ClaimedPost,
  message: string,
  outcome: { refused: boolean; keepInFlight: boolean; maxAttempts: number },
): Promise<void> {
  await updateClaimed(
    db,
    post,
    `attempts = attempts + 1, error = $3, claim_token = NULL,
         in_flight_since = CASE WHEN $5 THEN in_flight_since ELSE NULL END,
         status = CASE WHEN $4 OR attempts + 1 >= ${outcome.maxAttempts} THEN 'failed' ELSE 'scheduled' END,
         scheduled_at = CASE WHEN $4 THEN scheduled_at ELSE now() + make_interval(secs => 60 * power(2, attempts)) END`,
    [message, outcome.refused, outcome.keepInFlight],
  );
}

/**
 * An operator's answer for a `needs_operator` post: posted as `externalId`, or (null) queued to be
 * posted again. Null when the post is not waiting for an operator.
 */
export async function resolveNeedsOperator(
  db: Queryable,
  postId: string,
  externalId: string | null,
): Promise<{ id: string; status: string } | null> {
  const { rows } = await db.query<{ id: string; status: string }>(
    externalId
      ? `UPDATE social_posts SET status = 'posted', external_id = $2, adapter = coalesce(adapter, 'operator'),
                posted_at = now(), error = NULL, in_flight_since = NULL, updated_at = now()
         WHERE id = $1 AND status = 'needs_operator' RETURNING id, status`
      : `UPDATE social_posts SET status = 'scheduled', scheduled_at = now(), error = NULL, in_flight_since = NULL,
                platform_state = '{}', updated_at = now()
         WHERE id = $1 AND status = 'needs_operator' RETURNING id, status`,
    externalId ? [postId, externalId] : [postId],
  );
  return rows[0] ?? null;
}

export async function postStatus(db: Queryable, postId: string): Promise<string | null> {
  const exists = await db.query<{ status: string }>("SELECT status FROM social_posts WHERE id = $1", [
    postId,
  ]);
  return exists.rows[0]?.status ?? null;
}

/** What the dry-run adapter would have posted; a second attempt replaces the first. */
export async function recordDryRun(
  db: Queryable,
  postId: string,
  platform: string,
  payload: unknown,
): Promise<void> {
  await db.query(
    `INSERT INTO dry_run_posts (post_id, platform, payload) VALUES ($1, $2, $3)
         ON CONFLICT (post_id) DO UPDATE SET payload = EXCLUDED.payload`,
    [postId, platform, JSON.stringify(payload)],
  );
}

export async function dryRunRecorded(db: Queryable, postId: string): Promise<boolean> {
  const { rows } = await db.query("SELECT 1 FROM dry_run_posts WHERE post_id = $1", [postId]);
  return rows.length > 0;
}
