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
import type { Queryable } from "../data-access/database.ts";
import { projectExists } from "../data-access/leads-projects.ts";
import {
  claimDuePosts,
  dryRunRecorded,
  holdPost,
  markInFlight,
  markNeedsOperator,
  postStatus,
  recordDryRun,
  recordPosted,
  recordPostFailure,
  resolveNeedsOperator,
  savePlatformState,
  type SocialPostRow,
} from "../data-access/social-posts.ts";
import { PLATFORMS, type Platform } from "./content-adaptation.ts";
import type { Deps } from "./deps.ts";
import { HttpError, notFound, type FieldError } from "./errors.ts";

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

/**
 * Posts one queued post on its platform; throws (a `PostingError` says how) when it did not.
 * The real adapters live in data-access/posting/.
 */
export interface PostingAdapter {
  readonly platform: Platform;
  /** Stored with the post, e.g. "dry-run". */
  readonly name: string;
  post(post: SocialPostRow, attempt: PostAttempt): Promise<{ externalId: string }>;
  /**
   * After an attempt that may have reached the platform: the post when it is there, null when it
   * surely is not, "unknown" when the platform cannot tell. Without it such a post awaits an operator.
   */
  findExisting?(post: SocialPostRow, attempt: PostAttempt): Promise<ExistingPost>;
}

/**
 * The default adapter: records what would have been posted and posts nothing. The real adapters
 * (data-access/posting/) replace it per platform when that platform's credentials are configured.
 */
export function createDryRunAdapter(db: Queryable, platform: Platform): PostingAdapter {
  return {
    platform,
    name: "dry-run",
    async post(post) {
      if (post.platform !== platform) {
        throw new Error(`the ${platform} adapter was handed a ${post.platform} post`);
      }
      const payload = {
        platform,
        title: post.title,
        text: post.text_body,
        hashtags: post.hashtags,
        link: post.link,
        scheduled_at: post.scheduled_at,
      };
      await recordDryRun(db, post.id, platform, payload);
      return { externalId: `dry-run:${post.id}` };
    },
    async findExisting(post) {
      return (await dryRunRecorded(db, post.id)) ? { externalId: `dry-run:${post.id}` } : null;
    },
  };
}

export function dryRunAdapters(db: Queryable): Record<Platform, PostingAdapter> {
  return Object.fromEntries(PLATFORMS.map((p) => [p, createDryRunAdapter(db, p)])) as Record<
    Platform,
    PostingAdapter
  >;
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
  const rows = await claimDuePosts(pool, opts.limit ?? 50, opts.leaseSeconds ?? 300);
  let posted = 0;
  let failed = 0;
  /** Platforms that asked us to wait, until when. */
  const pausedUntil = new Map<Platform, Date>();

  for (const post of rows) {
    const adapter = adapters[post.platform];
    /** "find" while we look for an earlier attempt: its failure settles nothing about that attempt. */
    let phase: "find" | "post" = "post";
    const attempt = (since: Date): PostAttempt => ({
      since,
      state: post.platform_state ?? {},
      async save(state) {
        post.platform_state = { ...post.platform_state, ...state };
        await savePlatformState(pool, post);
      },
    });
    try {
      if (!adapter)
        throw new PostingError("refused", `no posting adapter is configured for ${post.platform}`);
      const paused = pausedUntil.get(post.platform);
      if (paused) {
        await holdPost(
          pool,
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
          await markNeedsOperator(
            pool,
            post,
            `an attempt at ${since.toISOString()} may have been accepted by ${post.platform}, which cannot ` +
              "tell us: check the account, then record the post's id or requeue it (docs/operations.md)",
          );
          logger.warn({ postId: post.id, platform: post.platform }, "social post needs an operator");
          failed++;
          continue;
        }
        if (existing) {
          await recordPosted(pool, post, adapter.name, existing.externalId);
          posted++;
          continue;
        }
        phase = "post";
      }
      const inFlightSince = await markInFlight(pool, post);
      if (!inFlightSince) continue; // claimed again by another dispatcher after our lease ran out
      const { externalId } = await adapter.post(post, attempt(inFlightSince));
      await recordPosted(pool, post, adapter.name, externalId);
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
        await holdPost(pool, post, until, message, phase === "post");
        logger.warn({ postId: post.id, platform: post.platform, seconds }, "social platform rate-limited us");
        continue;
      }
      // A refusal fails at once; anything else is retried with backoff. An unknown outcome (or a
      // failed look for an earlier attempt) keeps the in-flight mark: the next attempt looks first.
      await recordPostFailure(pool, post, message, {
        refused: kind === "refused" && phase === "post",
        keepInFlight: kind === "unknown" || phase === "find",
        maxAttempts: POST_MAX_ATTEMPTS,
      });
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
 * The optional media fields of a publish request: `video_url`, `image_url` (public https URLs, as
 * Instagram fetches them itself) and `project_id` (an existing project, for its explainer MP4).
 */
export async function parseMediaOptions(db: Queryable, input: unknown): Promise<ContentMedia> {
  const body = (typeof input === "object" && input !== null ? input : {}) as Record<string, unknown>;
  const errors: FieldError[] = [];
  const media: ContentMedia = {};
  for (const [field, key] of [
    ["video_url", "videoUrl"],
    ["image_url", "imageUrl"],
  ] as const) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    let ok = false;
    try {
      ok = typeof value === "string" && new URL(value).protocol === "https:";
    } catch {
      ok = false;
    }
    if (ok) media[key] = value as string;
    else errors.push({ field, message: "must be a public https URL" });
  }
  if (body.project_id !== undefined && body.project_id !== null) {
    const id = body.project_id;
    if (typeof id !== "string" || !UUID.test(id))
      errors.push({ field: "project_id", message: "must be a UUID" });
    else if (!(await projectExists(db, id))) {
      errors.push({ field: "project_id", message: "names no project" });
    } else media.projectId = id;
  }
  if (errors.length) {
    throw new HttpError(
      422,
      "invalid_request",
      `The publish event is not usable: ${errors.map((f) => `${f.field} ${f.message}`).join("; ")}.`,
      errors,
    );
  }
  return media;
}

/**
 * An operator's answer for a post that waits for one (`needs_operator`): they found it on the
 * platform (`external_id`, recorded as posted), or it is not there (`requeue: true`, posted again
 * at the next dispatch). Any other post answers 409: this is not a way to post twice.
 */
export async function resolvePost(db: Queryable, postId: string, input: unknown) {
  const body = (typeof input === "object" && input !== null ? input : {}) as Record<string, unknown>;
  const externalId = typeof body.external_id === "string" ? body.external_id.trim() : "";
  const requeue = body.requeue === true;
  if (externalId === "" && !requeue) {
    throw new HttpError(
      422,
      "invalid_request",
      "Send external_id (the post is on the platform) or requeue: true.",
      [{ field: "external_id", message: "or requeue: true is required" }],
    );
  }
  if (externalId && requeue) {
    throw new HttpError(422, "invalid_request", "Send external_id or requeue, not both.", [
      { field: "requeue", message: "cannot go with external_id" },
    ]);
  }
  if (externalId.length > 200) {
    throw new HttpError(422, "invalid_request", "external_id is too long.", [
      { field: "external_id", message: "must be at most 200 characters" },
    ]);
  }
  const resolved = await resolveNeedsOperator(db, postId, externalId || null);
  if (resolved) return resolved;
  const status = await postStatus(db, postId);
  if (!status) throw notFound("The post");
  throw new HttpError(409, "conflict", `The post is ${status}, not waiting for an operator.`);
}
