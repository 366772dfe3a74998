/**
 * YouTube through googleapis' YouTube Data API v3 client (@googleapis/youtube: the googleapis
 * project's per-API build, the same client without 200 MB of other APIs). YouTube has no text
 * posts, so the piece's video (its `video_url`, or its project's explainer MP4) is uploaded with
 * the post's title and description.
 * OAuth2 with the channel owner's refresh token; google-auth-library refreshes the access token.
 * Every upload carries a tag naming our post (`roboagency-post-<id>`): after an attempt that may
 * have gone through, the channel's newest uploads are searched for that tag.
 */
import { Readable } from "node:stream";
import { auth as googleAuth, youtube as youtubeApi } from "@googleapis/youtube";
import type { PostingAdapter } from "../../business-logic/posting.ts";
import type { SocialPostRow } from "../social-posts.ts";
import { PostingError } from "../../business-logic/posting.ts";
import type { PostingConfig } from "../../config.ts";
import type { AssetStore } from "../assets.ts";
import type { Queryable } from "../database.ts";
import { postMedia, retryAfterSeconds } from "./http.ts";

/** The client-side idempotency marker, one tag per post. */
export const markerTag = (post: Pick<SocialPostRow, "id">) => `roboagency-post-${post.id}`;

/** Quota answers that are a wait, not a refusal: YouTube's daily quota resets at midnight Pacific. */
const QUOTA_REASONS = new Set([
  "quotaExceeded",
  "rateLimitExceeded",
  "userRateLimitExceeded",
  "uploadLimitExceeded",
]);

function fromGoogle(err: unknown, creates: boolean): PostingError {
  const e = err as {
    status?: number;
    response?: { status?: number; headers?: { get?(n: string): string | null } | Record<string, string> };
    errors?: Array<{ reason?: string; message?: string }>;
    message?: string;
  };
  const status = e.response?.status ?? e.status;
  if (!status)
    return new PostingError(creates ? "unknown" : "transient", `youtube did not answer: ${e.message}`);
  const headers = e.response?.headers;
  const retryAfter =
    headers && typeof (headers as { get?: unknown }).get === "function"
      ? (headers as { get(n: string): string | null }).get("retry-after")
      : (headers as Record<string, string> | undefined)?.["retry-after"];
  const reason = e.errors?.[0]?.reason;
  const what = `youtube answered ${status}${reason ? ` (${reason})` : ""}: ${(e.errors?.[0]?.message ?? e.message ?? "").slice(0, 300)}`;
  if (status === 429 || (status === 403 && reason && QUOTA_REASONS.has(reason))) {
    return new PostingError("rate_limited", what, retryAfterSeconds(retryAfter) ?? 3600);
  }
  if (status >= 500) return new PostingError(creates ? "unknown" : "transient", what);
  return new PostingError("refused", what);
}

export function createYouTubeAdapter(
  db: Queryable,
  assets: AssetStore,
  config: NonNullable<PostingConfig["youtube"]>,
): PostingAdapter {
  const auth = new googleAuth.OAuth2({
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    endpoints: { oauth2TokenUrl: config.tokenUrl },
  });
  auth.setCredentials({ refresh_token: config.refreshToken });
  const youtube = youtubeApi({ version: "v3", auth });
  // Per call, so the upload URL (/upload/youtube/v3/videos) follows the root too; no retries of
  // our own making: the dispatcher decides, honouring Retry-After.
  const call = { rootUrl: `${config.rootUrl}/`, retry: false };

  async function ensureToken() {
    try {
      await auth.getAccessToken();
    } catch (err) {
      throw fromGoogle(err, false);
    }
  }

  return {
    platform: "youtube",
    name: "youtube-data-v3",
    async post(post) {
      const media = await postMedia(db, assets, post.content_id);
      if (!media.video) {
        throw new PostingError(
          "refused",
          "YouTube takes videos only: publish the piece with video_url, or with the project_id of a project whose run made an explainer MP4",
        );
      }
      const body = await media.video();
      await ensureToken();
      try {
        const res = await youtube.videos.insert(
          {
            part: ["snippet", "status"],
            requestBody: {
              snippet: {
                title: post.title ?? post.text_body.slice(0, 100),
                description: post.text_body,
                tags: [...post.hashtags.map((h) => h.replace(/^#/, "")), markerTag(post)],
                categoryId: "28", // Science & Technology
              },
              status: { privacyStatus: config.privacyStatus, selfDeclaredMadeForKids: false },
            },
            media: { mimeType: "video/mp4", body: Readable.from(body) },
          },
          call,
        );
        if (!res.data.id)
          throw new PostingError("unknown", "youtube accepted the upload without naming its id");
        return { externalId: res.data.id };
      } catch (err) {
        if (err instanceof PostingError) throw err;
        throw fromGoogle(err, true);
      }
    },
    async findExisting(post) {
      await ensureToken();
      try {
        const found = await youtube.search.list(
          { part: ["id"], forMine: true, type: ["video"], order: "date", maxResults: 25 },
          call,
        );
        const ids = (found.data.items ?? [])
          .map((i) => i.id?.videoId)
          .filter((id): id is string => Boolean(id));
        if (ids.length === 0) return null;
        const videos = await youtube.videos.list({ part: ["snippet"], id: ids }, call);
        const match = (videos.data.items ?? []).find((v) => v.snippet?.tags?.includes(markerTag(post)));
        return match?.id ? { externalId: match.id } : null;
      } catch (err) {
        throw fromGoogle(err, false);
      }
    },
  };
}
