/**
 * The posting dispatcher: posts what is due through one `PostingAdapter` per platform, once.
 *
 * Once means: a post is claimed (status `posting`, a fresh claim token) and marked in flight just
 * before its platform is called; the platform's id is recorded after, under the same claim token,
 * so a dispatcher whose lease ran out cannot overwrite a newer claim. A post claimed again while it
 * is still marked in flight (the process died, or the call ended without a clear answer) may have
 * been accepted: its adapter looks for it on the platform first. Found: recorded as posted. Surely
 * absent: posted now. The platform cannot tell: `needs_operator`, never a second post.
 */
import type { Queryable } from "../data-access/repository.ts";
import type { Deps } from "./deps.ts";
import { parse, parseAsync, resolvePostRequest } from "@roboagency/contracts";
import { HttpError, notFound } from "./errors.ts";
import {
  POST_COLUMNS,
  pieceOf,
  publishEvent,
  scheduleOf,
  type Platform,
  type PostingAdapter,
  type SocialPostRow,
} from "./content.ts";

/** What a platform's refusal or a failed call means for the post. */
export type PostingErrorKind =
  /** The platform answered no (bad content, no permission): not posted, not retried. */
  | "refused"
  /** The platform asked us to wait (429, Retry-After): not posted, retried after the wait. */
  | "rate_limited"
  /** Failed before anything was sent (a token refresh, a missing video): retried with backoff. */
  | "transient"
  /** The request may have been accepted (no answer, a 5xx to a create): looked for before a retry. */
  | "unknown";

export class PostingError extends Error {
  override name = "PostingError";
  constructor(
    readonly kind: PostingErrorKind,
    message: string,
    /** Seconds to wait, for `rate_limited`. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** One attempt at one post, handed to the adapter. */
export interface PostAttempt {
  /** When the earlier, unfinished attempt began (in `findExisting`), or this one (in `post`). */
  since: Date;
  /** What the adapter saved half-way through an earlier attempt (e.g. a media container id). */
  state: Record<string, unknown>;
  /** Keeps ids the platform handed out half-way, before the next call that depends on them. */
  save(state: Record<string, unknown>): Promise<void>;
}

/** What `findExisting` can say about an attempt that may have reached the platform. */
export type ExistingPost = { externalId: string } | null | "unknown";

const POST_MAX_ATTEMPTS = 5;
/** Longest wait a Retry-After may impose before the post is tried again; a day. */
const MAX_RETRY_AFTER_SECONDS = 86_400;

type ClaimedPost = SocialPostRow & {
  claim_token: string;
  in_flight_since: Date | null;
  platform_state: Record<string, unknown>;
};

const errorKind = (err: unknown): PostingErrorKind => (err instanceof PostingError ? err.kind : "unknown");
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Posts every queued post that is due. A post claimed by a crashed dispatcher is claimed again
 * after the lease; a failure is retried with backoff (1, 2, 4, 8 minutes), then stays `failed`; a
 * refusal fails that post at once; a rate limit holds back the platform's posts until Retry-After.
 * One platform's trouble never stops another's posts.
 */
export async function dispatchDuePosts(
  deps: Pick<Deps, "pool" | "logger">,
  adapters: Partial<Record<Platform, PostingAdapter>>,
  opts: { limit?: number; leaseSeconds?: number } = {},
): Promise<{ attempted: number; posted: number; failed: number }> {
  const { pool, logger } = deps;
  const { rows } = await pool.query<ClaimedPost>(
    `UPDATE social_posts SET status = 'posting', claim_token = gen_random_uuid(), updated_at = now()
     WHERE id IN (
       SELECT id FROM social_posts
       WHERE scheduled_at <= now()
         AND (status = 'scheduled' OR (status = 'posting' AND updated_at < now() - make_interval(secs => $2)))
       ORDER BY scheduled_at LIMIT $1 FOR UPDATE SKIP LOCKED)
     RETURNING ${POST_COLUMNS}, claim_token, in_flight_since, platform_state`,
    [opts.limit ?? 50, opts.leaseSeconds ?? 300],
  );
  let posted = 0;
  let failed = 0;
  /** Platforms that asked us to wait, until when. */
  const pausedUntil = new Map<Platform, Date>();

  const update = (post: ClaimedPost, set: string, params: unknown[] = []) =>
    pool.query(`UPDATE social_posts SET ${set}, updated_at = now() WHERE id = $1 AND claim_token = $2`, [
      post.id,
      post.claim_token,
      ...params,
    ]);
  const recordPosted = (post: ClaimedPost, adapter: PostingAdapter, externalId: string) =>
    update(
      post,
      `status = 'posted', adapter = $3, external_id = $4, posted_at = now(), error = NULL,
       in_flight_since = NULL, claim_token = NULL`,
      [adapter.name, externalId],
    );
  /** Back to the queue until `until`; the in-flight mark stays unless this attempt settled it. */
  const holdUntil = (post: ClaimedPost, until: Date, message: string, settled: boolean) =>
    update(
      post,
      `status = 'scheduled', scheduled_at = $3, error = $4, claim_token = NULL,
       in_flight_since = CASE WHEN $5 THEN NULL ELSE in_flight_since END`,
      [until, message, settled],
    );

  for (const post of rows) {
    const adapter = adapters[post.platform];
    /** "find" while we look for an earlier attempt: its failure settles nothing about that attempt. */
    let phase: "find" | "post" = "post";
    const attempt = (since: Date): PostAttempt => ({
      since,
      state: post.platform_state ?? {},
      async save(state) {
        post.platform_state = { ...post.platform_state, ...state };
        await update(post, "platform_state = $3", [JSON.stringify(post.platform_state)]);
      },
    });
    try {
      if (!adapter)
        throw new PostingError("refused", `no posting adapter is configured for ${post.platform}`);
      const paused = pausedUntil.get(post.platform);
      if (paused) {
        await holdUntil(
          post,
          paused,
          `${post.platform} asked us to wait until ${paused.toISOString()}`,
          false,
        );
        continue;
      }
      if (post.in_flight_since) {
        // An earlier attempt may have been accepted before we could record it.
        const since = new Date(post.in_flight_since);
        phase = "find";
        const existing: ExistingPost = adapter.findExisting
          ? await adapter.findExisting(post, attempt(since))
          : "unknown";
        if (existing === "unknown") {
          await update(post, "status = 'needs_operator', error = $3, claim_token = NULL", [
            `an attempt at ${since.toISOString()} may have been accepted by ${post.platform}, which cannot ` +
              "tell us: check the account, then record the post's id or requeue it (docs/operations.md)",
          ]);
          logger.warn({ postId: post.id, platform: post.platform }, "social post needs an operator");
          failed++;
          continue;
        }
        if (existing) {
          await recordPosted(post, adapter, existing.externalId);
          posted++;
          continue;
        }
        phase = "post";
      }
      const started = await pool.query<{ in_flight_since: Date }>(
        `UPDATE social_posts SET in_flight_since = now(), updated_at = now()
         WHERE id = $1 AND claim_token = $2 RETURNING in_flight_since`,
        [post.id, post.claim_token],
      );
      if (!started.rows[0]) continue; // claimed again by another dispatcher after our lease ran out
      const { externalId } = await adapter.post(post, attempt(started.rows[0].in_flight_since));
      await recordPosted(post, adapter, externalId);
      posted++;
    } catch (err) {
      const kind = errorKind(err);
      const message = messageOf(err);
      if (kind === "rate_limited") {
        const seconds = Math.min(
          Math.max((err as PostingError).retryAfterSeconds ?? 60, 1),
          MAX_RETRY_AFTER_SECONDS,
        );
        const until = new Date(Date.now() + seconds * 1000);
        pausedUntil.set(post.platform, until);
        await holdUntil(post, until, message, phase === "post");
        logger.warn({ postId: post.id, platform: post.platform, seconds }, "social platform rate-limited us");
        continue;
      }
      // A refusal fails at once; anything else is retried with backoff. An unknown outcome (or a
      // failed look for an earlier attempt) keeps the in-flight mark: the next attempt looks first.
      await update(
        post,
        `attempts = attempts + 1, error = $3, claim_token = NULL,
         in_flight_since = CASE WHEN $5 THEN in_flight_since ELSE NULL END,
         status = CASE WHEN $4 OR attempts + 1 >= ${POST_MAX_ATTEMPTS} THEN 'failed' ELSE 'scheduled' END,
         scheduled_at = CASE WHEN $4 THEN scheduled_at ELSE now() + make_interval(secs => 60 * power(2, attempts)) END`,
        [message, kind === "refused" && phase === "post", kind === "unknown" || phase === "find"],
      );
      logger.warn({ postId: post.id, platform: post.platform, kind, err }, "social post failed");
      failed++;
    }
  }
  return { attempted: rows.length, posted, failed };
}

/** What a piece shows besides its text: YouTube uploads a video, Instagram needs an image or video. */
export interface ContentMedia {
  /** A public MP4 for YouTube and Instagram (a Reel). */
  videoUrl?: string;
  /** A public JPEG for Instagram when there is no video. */
  imageUrl?: string;
  /** The project whose explainer MP4 goes with the piece when no video_url is given. */
  projectId?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A whole publish request (POST /v1/content), parsed in one pass so the answer names every bad
 * field: the piece, its schedule and its media. `project_id` must name an existing project (for
 * its explainer MP4); `video_url` and `image_url` are public https URLs, as Instagram fetches them.
 */
export async function parseContentRequest(db: Queryable, input: unknown, now = new Date()) {
  const schema = publishEvent.superRefine(
    async (body, ctx) => {
      const id = body.project_id;
      if (typeof id === "string" && UUID.test(id)) {
        if (!(await db.query("SELECT 1 FROM projects WHERE id = $1", [id])).rows.length) {
          ctx.addIssue({ code: "custom", path: ["project_id"], message: "names no project" });
        }
      }
    },
    { when: (payload) => typeof payload.value === "object" && payload.value !== null },
  );
  const body = await parseAsync(schema, input, "publish event");
  const media: ContentMedia = {};
  if (body.video_url) media.videoUrl = body.video_url;
  if (body.image_url) media.imageUrl = body.image_url;
  if (body.project_id) media.projectId = body.project_id;
  return { piece: pieceOf(body, now), options: scheduleOf(body, now), media };
}

/**
 * An operator's answer for a post that waits for one (`needs_operator`): they found it on the
 * platform (`external_id`, recorded as posted), or it is not there (`requeue: true`, posted again
 * at the next dispatch). Any other post answers 409: this is not a way to post twice.
 */
export async function resolvePost(db: Queryable, postId: string, input: unknown) {
  const body = parse(resolvePostRequest, input ?? {}, "resolution");
  const externalId = body.external_id ?? "";
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
  if (rows[0]) return rows[0];
  const exists = await db.query("SELECT status FROM social_posts WHERE id = $1", [postId]);
  if (!exists.rows[0]) throw notFound("The post");
  throw new HttpError(409, "conflict", `The post is ${exists.rows[0].status}, not waiting for an operator.`);
}
