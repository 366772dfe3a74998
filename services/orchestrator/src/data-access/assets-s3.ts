/**
 * The S3 asset store (any S3-compatible bucket, artifacts handed out through presigned GET URLs),
 * apart from assets.ts so that the AWS SDK (about 5 MiB resident) loads only where S3 is
 * configured: entry-points/storage-adapters.ts imports this module when it builds the store.
 */
import {
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
  type S3ServiceException,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { assertContentType, assertTtl, assertValidAssetKey, digest, type AssetStore } from "./assets.ts";

export interface S3AssetStoreOptions {
  /** S3-compatible endpoint (R2, MinIO, Hetzner…). Defaults to AWS S3 for the region. */
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Path-style URLs (endpoint/bucket/key), which most non-AWS providers need. */
  forcePathStyle: boolean;
}

export function createS3AssetStore(options: S3AssetStoreOptions): AssetStore {
  for (const field of ["region", "bucket", "accessKeyId", "secretAccessKey"] as const) {
    if (!options[field]) throw new Error(`createS3AssetStore: ${field} is required`);
  }
  const { bucket } = options;
  const where = `bucket "${bucket}"${options.endpoint ? ` at ${options.endpoint}` : ""}`;
  const client = new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    // The SDK's default CRC checksums are not understood by every S3-compatible server.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const fail = (action: string, key: string | null, err: unknown): Error => {
    const e = err as Partial<S3ServiceException> & Error;
    const status = e.$metadata?.httpStatusCode;
    const hint =
      status === 403 || e.name === "InvalidAccessKeyId" || e.name === "SignatureDoesNotMatch"
        ? " (check the S3 access key and secret)"
        : e.name === "NoSuchBucket"
          ? " (create the bucket or fix its name)"
          : "";
    return new Error(
      `S3 ${action}${key ? ` of "${key}"` : ""} in ${where} failed: ${e.name ?? "Error"}${status ? ` ${status}` : ""} ${e.message}${hint}`,
    );
  };

  return {
    async put(key, body, contentType) {
      assertValidAssetKey(key);
      assertContentType(contentType);
      const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
      try {
        await client.send(
          new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentType: contentType }),
        );
      } catch (err) {
        throw fail("upload", key, err);
      }
      return digest(bytes);
    },

    async get(key) {
      assertValidAssetKey(key);
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        const bytes = out.Body ? Buffer.from(await out.Body.transformToByteArray()) : Buffer.alloc(0);
        return { body: bytes, contentType: out.ContentType ?? "application/octet-stream" };
      } catch (err) {
        const e = err as Partial<S3ServiceException>;
        if (e.name === "NoSuchKey" || e.$metadata?.httpStatusCode === 404) return null;
        throw fail("download", key, err);
      }
    },

    async signedUrl(key, ttlSeconds) {
      assertValidAssetKey(key);
      assertTtl(ttlSeconds);
      return getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), {
        expiresIn: ttlSeconds,
      });
    },

    async ping() {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
      } catch (err) {
        throw fail("bucket check", null, err);
      }
    },
  };
}
