/**
 * Where the pipeline's artifacts (PRDs, prototypes, videos) live. Production: any S3-compatible
 * bucket, handed out through presigned GET URLs, or a private bucket of Supabase Storage, handed
 * out through its signed URLs. Local: a folder, handed out through URLs to our own API signed with
 * HMAC-SHA256, which the API checks with `verifyLocalAssetUrl` before serving. Every adapter
 * accepts the same keys (`docs/<project>/<run>/prd.md`) and refuses the same bad ones. The S3
 * store is in assets-s3.ts, so a process that stores elsewhere never loads the AWS SDK.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { constants } from "node:fs";
import { access, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { SupabaseClient } from "@supabase/supabase-js";

export interface AssetStore {
  /** Stores (or replaces) the object; putting the same key twice is fine. */
  put(
    key: string,
    body: Buffer | string,
    contentType: string,
  ): Promise<{ sizeBytes: number; sha256: string }>;
  /** The object, or null when there is none under this key. */
  get(key: string): Promise<{ body: Buffer; contentType: string } | null>;
  /** A URL anyone holding it can GET until it expires. */
  signedUrl(key: string, ttlSeconds: number): Promise<string>;
  /** Resolves when the store is usable (bucket reachable, folder writable); for readiness checks. */
  ping(): Promise<void>;
}

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
const MAX_KEY_LENGTH = 512;
/** S3 refuses presigned URLs valid longer than a week; the local store follows the same limit. */
export const MAX_SIGNED_URL_TTL_SECONDS = 7 * 24 * 3600;

/**
 * Keys are relative paths of plain segments (letters, digits, `.`, `_`, `-`, not starting with a
 * dot): no `..`, no absolute paths, no empty segments. That makes path traversal impossible in
 * the local store and keeps keys portable across S3 providers.
 */
export function assertValidAssetKey(key: string): void {
  if (typeof key !== "string" || key.length === 0) throw new Error("asset key must be a non-empty string");
  if (key.length > MAX_KEY_LENGTH) throw new Error(`asset key is longer than ${MAX_KEY_LENGTH} characters`);
  for (const segment of key.split("/")) {
    if (!SEGMENT.test(segment)) {
      throw new Error(
        `asset key "${key}" is invalid: use relative paths like docs/<project>/<run>/prd.md whose segments ` +
          "are letters, digits, '.', '_' or '-' and do not start with '.'",
      );
    }
  }
}

export function assertTtl(ttlSeconds: number): void {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_SIGNED_URL_TTL_SECONDS) {
    throw new Error(
      `ttlSeconds must be an integer between 1 and ${MAX_SIGNED_URL_TTL_SECONDS}, got ${ttlSeconds}`,
    );
  }
}

export function assertContentType(contentType: string): void {
  if (typeof contentType !== "string" || !/^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/.test(contentType)) {
    throw new Error(`contentType must be a MIME type like text/markdown, got "${contentType}"`);
  }
}

export function digest(body: Buffer): { sizeBytes: number; sha256: string } {
  return { sizeBytes: body.length, sha256: createHash("sha256").update(body).digest("hex") };
}

export interface SupabaseAssetStoreOptions {
  /** A service-key client (data-access/supabase.ts `createSupabaseClient`). */
  client: SupabaseClient;
  /** A private bucket of the project's Storage. */
  bucket: string;
  /** The project URL, for error messages. */
  url: string;
}

/** Storage answers a missing object or bucket with 400 and statusCode "404" (older) or a 404. */
function storageNotFound(err: { status?: number; statusCode?: string } | null): boolean {
  return err?.status === 404 || err?.statusCode === "404";
}

export function createSupabaseAssetStore(options: SupabaseAssetStoreOptions): AssetStore {
  if (!options.bucket) throw new Error("createSupabaseAssetStore: bucket is required");
  const { client, bucket } = options;
  const where = `Supabase Storage bucket "${bucket}" at ${options.url}`;
  const files = () => client.storage.from(bucket);
  type StorageFailure = { message: string; status?: number; statusCode?: string };
  const fail = (action: string, key: string | null, err: StorageFailure): Error => {
    const code = err.statusCode ?? String(err.status ?? "");
    const hint =
      code === "401" || code === "403"
        ? " (check SUPABASE_SERVICE_KEY: it must be the service role or a secret key)"
        : "";
    return new Error(
      `${action}${key ? ` of "${key}"` : ""} in ${where} failed: ${code} ${err.message}${hint}`,
    );
  };

  return {
    async put(key, body, contentType) {
      assertValidAssetKey(key);
      assertContentType(contentType);
      const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
      const { error } = await files().upload(key, bytes, { contentType, upsert: true, cacheControl: "60" });
      if (error) throw fail("upload", key, error);
      return digest(bytes);
    },

    async get(key) {
      assertValidAssetKey(key);
      // The download's Blob normalises the content type ("a; b" becomes "a;b"); the object's
      // metadata keeps it as it was put.
      const [download, info] = await Promise.all([files().download(key), files().info(key)]);
      const error = download.error ?? info.error;
      if (error) {
        if (storageNotFound(error)) return null;
        throw fail("download", key, error);
      }
      return {
        body: Buffer.from(await download.data!.arrayBuffer()),
        contentType: info.data?.contentType ?? "application/octet-stream",
      };
    },

    async signedUrl(key, ttlSeconds) {
      assertValidAssetKey(key);
      assertTtl(ttlSeconds);
      const { data, error } = await files().createSignedUrl(key, ttlSeconds);
      if (error || !data) throw fail("signing", key, error ?? { message: "no signed URL" });
      return data.signedUrl;
    },

    async ping() {
      const { data, error } = await client.storage.getBucket(bucket);
      if (error) {
        const missing = storageNotFound(error);
        throw fail("bucket check", null, {
          ...error,
          message: missing ? `${error.message} (create it as a private bucket)` : error.message,
        });
      }
      // Signed URLs only protect the artifacts of a private bucket: a public one serves every key.
      if (data.public) throw new Error(`${where} is public; make it private (Storage > bucket > Edit)`);
    },
  };
}

export interface LocalAssetStoreOptions {
  /** Folder holding the files; created when missing. */
  dir: string;
  /** Public URL of the API that serves `/v1/assets/local/<key>`, e.g. http://localhost:8080. */
  baseUrl: string;
  /** HMAC key for the URLs (the "asset-url" key of business-logic/keys.ts); at least 16 bytes. */
  signingSecret: string | Buffer;
}

/** Content types live beside the files in a tree no key can reach (keys never start with '.'). */
const META_DIR = ".meta";

export function createLocalAssetStore(options: LocalAssetStoreOptions): AssetStore {
  if (!options.dir) throw new Error("createLocalAssetStore: dir is required");
  if (!options.signingSecret || options.signingSecret.length < 16) {
    throw new Error("createLocalAssetStore: signingSecret must be at least 16 characters");
  }
  let base: URL;
  try {
    base = new URL(options.baseUrl);
  } catch {
    throw new Error(`createLocalAssetStore: baseUrl must be an absolute URL, got "${options.baseUrl}"`);
  }
  const root = path.resolve(options.dir);
  const baseUrl = base.toString().replace(/\/+$/, "");

  const locate = (key: string) => {
    assertValidAssetKey(key);
    const file = path.resolve(root, key);
    // Redundant with the key rules, kept so a future change to them cannot open the filesystem.
    if (!file.startsWith(root + path.sep))
      throw new Error(`asset key "${key}" resolves outside the asset folder`);
    return { file, meta: path.join(root, META_DIR, `${key}.json`) };
  };

  // Write to a temporary name and rename, so a reader never sees half a file.
  const writeAtomic = async (file: string, data: Buffer | string) => {
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = path.join(path.dirname(file), `.tmp-${randomBytes(6).toString("hex")}`);
    try {
      await writeFile(tmp, data);
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  };

  return {
    async put(key, body, contentType) {
      const { file, meta } = locate(key);
      assertContentType(contentType);
      const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
      await writeAtomic(meta, JSON.stringify({ contentType }));
      await writeAtomic(file, bytes);
      return digest(bytes);
    },

    async get(key) {
      const { file, meta } = locate(key);
      let body: Buffer;
      try {
        body = await readFile(file);
      } catch (err) {
        if (
          (err as NodeJS.ErrnoException).code === "ENOENT" ||
          (err as NodeJS.ErrnoException).code === "EISDIR"
        ) {
          return null;
        }
        throw err;
      }
      const contentType = await readFile(meta, "utf8")
        .then((raw) => (JSON.parse(raw) as { contentType: string }).contentType)
        .catch(() => "application/octet-stream");
      return { body, contentType };
    },

    async signedUrl(key, ttlSeconds) {
      assertValidAssetKey(key);
      assertTtl(ttlSeconds);
      const expires = Math.floor(Date.now() / 1000) + ttlSeconds;
      const sig = signLocalAsset(key, expires, options.signingSecret);
      const encodedKey = key.split("/").map(encodeURIComponent).join("/");
      return `${baseUrl}/v1/assets/local/${encodedKey}?expires=${expires}&sig=${sig}`;
    },

    async ping() {
      await mkdir(root, { recursive: true });
      try {
        await access(root, constants.W_OK);
      } catch {
        throw new Error(`the asset folder ${root} is not writable`);
      }
    },
  };
}

function signLocalAsset(key: string, expires: number, secret: string | Buffer): string {
  return createHmac("sha256", secret).update(`${key}\n${expires}`).digest("base64url");
}

/**
 * True when `sig` is our signature for this key and expiry and the expiry (unix seconds) is
 * still ahead of `now` (milliseconds, defaults to the clock). Safe to call with raw query values.
 */
export function verifyLocalAssetUrl(
  key: string,
  expires: string | number,
  sig: string,
  secrets: string | Buffer | readonly (string | Buffer)[],
  now: number = Date.now(),
): boolean {
  const expiresAt =
    typeof expires === "number" ? expires : /^\d{1,12}$/.test(expires) ? Number(expires) : NaN;
  if (!Number.isInteger(expiresAt) || expiresAt * 1000 <= now) return false;
  const keys = typeof secrets === "string" || Buffer.isBuffer(secrets) ? [secrets] : secrets;
  if (typeof sig !== "string" || keys.length === 0 || keys.some((k) => k.length === 0)) return false;
  try {
    assertValidAssetKey(key);
  } catch {
    return false;
  }
  const given = Buffer.from(sig);
  let ok = false;
  // The current key, then the previous one during a rotation.
  for (const secret of keys) {
    const expected = Buffer.from(signLocalAsset(key, expiresAt, secret));
    if (given.length === expected.length && timingSafeEqual(given, expected)) ok = true;
  }
  return ok;
}
