/**
 * What the posting adapters share: reading a platform's answer into a `PostingError` (refusal,
 * rate limit, unknown outcome), Retry-After, rotating tokens sealed in Postgres, and the media a
 * piece carries (a public video or image URL, or its project's explainer MP4).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { PostingError } from "../../business-logic/posting.ts";
import type { AssetStore } from "../assets.ts";
import type { Queryable } from "../database.ts";

/** Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); undefined without one. */
export function retryAfterSeconds(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * Turns a platform's error answer into what it means for the post. `creates` says whether the
 * request could have created the post: then a 5xx leaves the outcome unknown.
 */
export function errorFromResponse(
  platform: string,
  status: number,
  headers: { get(name: string): string | null },
  detail: string,
  creates: boolean,
): PostingError {
  const what = `${platform} answered ${status}${detail ? `: ${detail.slice(0, 300)}` : ""}`;
  if (status === 429) {
    return new PostingError("rate_limited", what, retryAfterSeconds(headers.get("retry-after")) ?? 60);
  }
  if (status >= 500) return new PostingError(creates ? "unknown" : "transient", what);
  return new PostingError("refused", what);
}

/** fetch() that reads every failure into a PostingError; the JSON body (or {}) and headers on success. */
export async function platformFetch(
  platform: string,
  url: string,
  init: RequestInit & { creates: boolean },
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(60_000) });
  } catch (err) {
    // No answer: a create may have gone through.
    throw new PostingError(
      init.creates ? "unknown" : "transient",
      `${platform} did not answer: ${(err as Error).message}`,
    );
  }
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { raw: text };
  }
  if (!res.ok) {
    const error = body.error as Record<string, unknown> | string | undefined;
    const detail =
      (typeof error === "object" && error && typeof error.message === "string" && error.message) ||
      (typeof body.message === "string" && body.message) ||
      (typeof error === "string" && error) ||
      text.slice(0, 300);
    throw Object.assign(errorFromResponse(platform, res.status, res.headers, detail, init.creates), {
      status: res.status,
      // The Graph API's own error code (4, 17, 32 … are its rate limits).
      graphCode:
        typeof error === "object" && error && typeof error.code === "number" ? error.code : undefined,
    });
  }
  return { status: res.status, headers: res.headers, body };
}

/** Text compared without links (platforms shorten them) or runs of white space. */
export function sameText(a: string, b: string): boolean {
  const norm = (s: string) =>
    s
      .replace(/https?:\/\/\S+/g, "<link>")
      .replace(/\s+/g, " ")
      .trim();
  return norm(a) === norm(b);
}

// ---------------------------------------------------------------------------------------------
// Tokens a platform rotates

/** Platform tokens sealed with AES-256-GCM under a key derived from SECRET_KEY. */
export function tokenStore(db: Queryable, secretKey: string) {
  const key = Buffer.from(hkdfSync("sha256", secretKey, "", "roboagency platform tokens v1", 32));
  const seal = (plain: string) => {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return [iv, cipher.getAuthTag(), body].map((b) => b.toString("base64url")).join(".");
  };
  const open = (sealed: string) => {
    const [iv, tag, body] = sealed.split(".").map((p) => Buffer.from(p, "base64url"));
    const decipher = createDecipheriv("aes-256-gcm", key, iv!);
    decipher.setAuthTag(tag!);
    return Buffer.concat([decipher.update(body!), decipher.final()]).toString("utf8");
  };
  return {
    async load(platform: string): Promise<{ token: string; expiresAt: Date | null; updatedAt: Date } | null> {
      const { rows } = await db.query<{ sealed: string; expires_at: Date | null; updated_at: Date }>(
        "SELECT sealed, expires_at, updated_at FROM platform_tokens WHERE platform = $1",
        [platform],
      );
      if (!rows[0]) return null;
      try {
        return { token: open(rows[0].sealed), expiresAt: rows[0].expires_at, updatedAt: rows[0].updated_at };
      } catch {
        return null; // sealed under another SECRET_KEY: start again from the configured token
      }
    },
    async save(platform: string, token: string, expiresAt: Date | null): Promise<void> {
      await db.query(
        `INSERT INTO platform_tokens (platform, sealed, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (platform) DO UPDATE SET sealed = EXCLUDED.sealed, expires_at = EXCLUDED.expires_at, updated_at = now()`,
        [platform, seal(token), expiresAt],
      );
    },
  };
}

export type TokenStore = ReturnType<typeof tokenStore>;

// ---------------------------------------------------------------------------------------------
// Media

export interface PostMedia {
  /** A URL the platform can fetch itself (Instagram); a signed asset URL for an explainer. */
  videoUrl?: string;
  imageUrl?: string;
  /** Where the video's bytes come from, for an upload (YouTube). */
  video?: () => Promise<Buffer>;
}

/** Signed explainer URLs handed to a platform stay valid this long; Instagram fetches within minutes. */
const MEDIA_URL_TTL_SECONDS = 6 * 3600;
/** Largest video we hand to an upload. */
const MAX_VIDEO_BYTES = 512 * 1024 * 1024;

/**
 * The media of the post's piece: its `video_url` / `image_url`, or else the explainer MP4 of its
 * project's newest run (assets table, `explainer/explainer.mp4`).
 */
export async function postMedia(db: Queryable, assets: AssetStore, contentId: string): Promise<PostMedia> {
  const { rows } = await db.query<{
    video_url: string | null;
    image_url: string | null;
    storage_key: string | null;
  }>(
    `SELECT c.video_url, c.image_url,
            (SELECT a.storage_key FROM assets a WHERE a.project_id = c.project_id AND a.name = 'explainer/explainer.mp4'
             ORDER BY a.created_at DESC LIMIT 1) AS storage_key
     FROM content_pieces c WHERE c.id = $1`,
    [contentId],
  );
  const row = rows[0];
  if (!row) return {};
  const media: PostMedia = { imageUrl: row.image_url ?? undefined };
  if (row.video_url) {
    const videoUrl = row.video_url;
    media.videoUrl = videoUrl;
    media.video = async () => {
      let res: Response;
      try {
        res = await fetch(videoUrl, { signal: AbortSignal.timeout(120_000) });
      } catch (err) {
        throw new PostingError(
          "transient",
          `the video at ${videoUrl} could not be fetched: ${(err as Error).message}`,
        );
      }
      if (!res.ok) throw new PostingError("transient", `the video at ${videoUrl} answered ${res.status}`);
      const body = Buffer.from(await res.arrayBuffer());
      if (body.length > MAX_VIDEO_BYTES)
        throw new PostingError("refused", `the video at ${videoUrl} is over 512 MB`);
      return body;
    };
  } else if (row.storage_key) {
    const key = row.storage_key;
    media.videoUrl = await assets.signedUrl(key, MEDIA_URL_TTL_SECONDS);
    media.video = async () => {
      const object = await assets.get(key);
      if (!object)
        throw new PostingError("transient", `the explainer ${key} is missing from the asset store`);
      return object.body;
    };
  }
  return media;
}
