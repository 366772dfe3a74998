/**
 * One contract, two adapters:
 * - local: files in a temp folder, served over real HTTP by a minimal server doing what the API's
 *   /v1/assets/local route does (verifyLocalAssetUrl, then get);
 * - S3: a real S3-protocol server (s3rver) on a random loopback port with its data in a temp folder,
 *   reached with the AWS SDK and its presigned URLs exactly as production reaches a bucket.
 *   s3rver checks the access key id and the expiry of presigned URLs but not SigV4 signatures, so
 *   a small loopback proxy in front of it verifies presigned GETs the way S3 does (SigV4 query
 *   signing, written out here from the spec rather than reusing the SDK's signer);
 * - Supabase Storage: a FAKE Supabase Storage API on loopback (@roboagency/testing/fake-supabase) that signs
 *   and checks its URLs' tokens as storage-api does, reached through @supabase/supabase-js.
 *   Storage refuses a bad signed URL with 400 (InvalidJWT), where S3 and our API answer 403.
 */
import { createHash, createHmac } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSupabase } from "@roboagency/testing/fake-supabase";
import {
  createLocalAssetStore,
  createSupabaseAssetStore,
  verifyLocalAssetUrl,
  type AssetStore,
} from "./assets.ts";
import { createS3AssetStore, type S3AssetStoreOptions } from "./assets-s3.ts";
import { createSupabaseClient } from "./supabase.ts";

const SECRET = "test-signing-secret-0123456789";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Harness {
  store: AssetStore;
  /** The status a refused signed URL gets. Defaults to 403. */
  refusedStatus?: number;
  stop(): Promise<void>;
}

async function localHarness(): Promise<Harness> {
  const dir = await mkdtemp(path.join(tmpdir(), "assets-local-"));
  // `store` is declared below, once the port is known; requests only arrive after that.
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const prefix = "/v1/assets/local/";
    if (!url.pathname.startsWith(prefix)) return void res.writeHead(404).end();
    const key = url.pathname.slice(prefix.length).split("/").map(decodeURIComponent).join("/");
    const ok = verifyLocalAssetUrl(
      key,
      url.searchParams.get("expires") ?? "",
      url.searchParams.get("sig") ?? "",
      SECRET,
    );
    if (!ok) return void res.writeHead(403).end("forbidden");
    store.get(key).then(
      (asset) => {
        if (!asset) return void res.writeHead(404).end();
        res.writeHead(200, { "content-type": asset.contentType }).end(asset.body);
      },
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const store = createLocalAssetStore({ dir, baseUrl: `http://127.0.0.1:${port}`, signingSecret: SECRET });
  return {
    store,
    stop: async () => {
      await new Promise((r) => server.close(r));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const S3RVER_KEY = { id: "S3RVER", secret: "S3RVER" }; // s3rver's built-in account

const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();
const rfc3986 = (v: string) =>
  encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Why a presigned (SigV4 query) request would be refused by S3, or null when it is valid. */
function presignedRefusal(req: IncomingMessage, now: Date): string | null {
  const url = new URL(req.url ?? "/", "http://placeholder");
  const q = url.searchParams;
  const date = q.get("X-Amz-Date") ?? "";
  const expires = Number(q.get("X-Amz-Expires"));
  const credential = q.get("X-Amz-Credential") ?? "";
  const signedHeaders = q.get("X-Amz-SignedHeaders") ?? "";
  const [accessKey, day, region, service] = credential.split("/");
  if (q.get("X-Amz-Algorithm") !== "AWS4-HMAC-SHA256" || accessKey !== S3RVER_KEY.id) return "bad credential";
  const signedAt = Date.parse(
    date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"),
  );
  if (!Number.isFinite(signedAt) || now.getTime() > signedAt + expires * 1000) return "expired";
  const query = [...q.entries()]
    .filter(([k]) => k !== "X-Amz-Signature")
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const headers = signedHeaders
    .split(";")
    .map((h) => `${h}:${String(req.headers[h] ?? "").trim()}\n`)
    .join("");
  const canonical = [req.method, url.pathname, query, headers, signedHeaders, "UNSIGNED-PAYLOAD"].join("\n");
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", date, scope, createHash("sha256").update(canonical).digest("hex")].join(
    "\n",
  );
  let key: Buffer = hmac(`AWS4${S3RVER_KEY.secret}`, day ?? "");
  for (const part of [region ?? "", service ?? "", "aws4_request"]) key = hmac(key, part);
  return hmac(key, toSign).toString("hex") === q.get("X-Amz-Signature") ? null : "signature mismatch";
}

async function s3Harness(): Promise<Harness & { options: S3AssetStoreOptions }> {
  const dir = await mkdtemp(path.join(tmpdir(), "assets-s3-"));
  const s3 = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: [{ name: "agency-assets" }],
  });
  const { port: s3Port } = await s3.run();
  const proxy = createServer((req, res) => {
    if (new URL(req.url ?? "/", "http://placeholder").searchParams.has("X-Amz-Algorithm")) {
      const refusal = presignedRefusal(req, new Date());
      if (refusal) return void res.writeHead(403, { "content-type": "text/plain" }).end(refusal);
    }
    const upstream = request(
      { host: "127.0.0.1", port: s3Port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const options: S3AssetStoreOptions = {
    endpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    region: "us-east-1",
    bucket: "agency-assets",
    accessKeyId: S3RVER_KEY.id,
    secretAccessKey: S3RVER_KEY.secret,
    forcePathStyle: true,
  };
  return {
    options,
    store: createS3AssetStore(options),
    stop: async () => {
      await new Promise((r) => proxy.close(r));
      await s3.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function supabaseHarness(): Promise<Harness> {
  const fake = await startFakeSupabase(); // FAKE Supabase Storage API on loopback
  const client = createSupabaseClient({ url: fake.url, serviceKey: fake.serviceKey });
  return {
    store: createSupabaseAssetStore({ client, bucket: "agency-assets", url: fake.url }),
    refusedStatus: 400,
    stop: () => fake.stop(),
  };
}

const adapters: Array<[string, () => Promise<Harness>]> = [
  ["local folder", localHarness],
  ["S3 (s3rver)", s3Harness],
  ["Supabase Storage (fake Storage API)", supabaseHarness],
];

/** A JWT (Supabase's signed URL token) with its payload changed and its signature kept. */
function withClaims(token: string, change: (claims: Record<string, number>) => void): string {
  const [head, body, sig] = token.split(".");
  const claims = JSON.parse(Buffer.from(body!, "base64url").toString("utf8")) as Record<string, number>;
  change(claims);
  return `${head}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${sig}`;
}

describe.each(adapters)("AssetStore contract: %s", (_name, start) => {
  let harness: Harness;
  let store: AssetStore;
  beforeAll(async () => {
    harness = await start();
    store = harness.store;
  });
  afterAll(async () => harness.stop());

  it("when a text asset is put, then get returns its bytes and content type and put reports size and sha256", async () => {
    const text = "# PRD\n\nÜnïcødé ✓\n";
    const result = await store.put("docs/p1/r1/prd.md", text, "text/markdown; charset=utf-8");
    expect(result).toEqual({
      sizeBytes: Buffer.byteLength(text),
      sha256: createHash("sha256").update(text).digest("hex"),
    });
    const got = await store.get("docs/p1/r1/prd.md");
    expect(got?.body.toString("utf8")).toBe(text);
    expect(got?.contentType).toBe("text/markdown; charset=utf-8");
  });

  it("when a binary asset is put twice under one key, then both puts succeed and the last bytes win", async () => {
    const first = Buffer.from([0, 1, 2, 255, 254]);
    const second = Buffer.from([9, 8, 7]);
    await store.put("videos/p1/r1/demo.mp4", first, "video/mp4");
    await store.put("videos/p1/r1/demo.mp4", first, "video/mp4");
    expect((await store.get("videos/p1/r1/demo.mp4"))?.body.equals(first)).toBe(true);
    await store.put("videos/p1/r1/demo.mp4", second, "video/mp4");
    expect((await store.get("videos/p1/r1/demo.mp4"))?.body.equals(second)).toBe(true);
  });

  it("when a key was never put, then get returns null", async () => {
    expect(await store.get("docs/p1/r1/missing.md")).toBeNull();
  });

  it("when the signed URL is fetched over HTTP, then it serves the bytes with the content type", async () => {
    const html = "<!doctype html><h1>Prototype</h1>";
    await store.put("prototypes/p1/r1/index.html", html, "text/html");
    const url = await store.signedUrl("prototypes/p1/r1/index.html", 60);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await res.text()).toBe(html);
  });

  it("when the signed URL is tampered with, then it is refused", async () => {
    await store.put("docs/p1/r1/secret.md", "secret", "text/markdown");
    await store.put("docs/p1/r1/other.md", "other", "text/markdown");
    const url = new URL(await store.signedUrl("docs/p1/r1/secret.md", 60));
    const otherKey = new URL(url);
    otherKey.pathname = url.pathname.replace("secret.md", "other.md");
    const longer = new URL(url);
    for (const name of ["expires", "X-Amz-Expires"]) {
      const value = longer.searchParams.get(name);
      if (value) longer.searchParams.set(name, String(Number(value) + 3600));
    }
    const jwt = longer.searchParams.get("token");
    if (jwt)
      longer.searchParams.set(
        "token",
        withClaims(jwt, (c) => (c.exp! += 3600)),
      );
    const badSig = new URL(url);
    for (const name of ["sig", "X-Amz-Signature"]) {
      const value = badSig.searchParams.get(name);
      if (value) badSig.searchParams.set(name, (value[0] === "a" ? "b" : "a") + value.slice(1));
    }
    if (jwt) badSig.searchParams.set("token", jwt.slice(0, -2) + (jwt.endsWith("AA") ? "BB" : "AA"));
    expect(longer.toString()).not.toBe(url.toString());
    for (const tampered of [otherKey, longer, badSig]) {
      const res = await fetch(tampered);
      expect(res.status, tampered.toString()).toBe(harness.refusedStatus ?? 403);
      expect(await res.text()).not.toBe("other");
    }
  });

  it("when the signed URL has expired, then it is refused", async () => {
    await store.put("docs/p1/r1/short.md", "short-lived", "text/markdown");
    // Two seconds, not one: a presigned S3 URL's X-Amz-Date is cut to the second, so a URL signed
    // late in a second may have less than one second left by the first fetch.
    const url = await store.signedUrl("docs/p1/r1/short.md", 2);
    expect((await fetch(url)).status).toBe(200);
    await sleep(3100);
    expect((await fetch(url)).status).toBe(harness.refusedStatus ?? 403);
  });

  it("when a key could escape or is malformed, then every operation refuses it and names the key", async () => {
    for (const key of [
      "../etc/passwd",
      "/etc/passwd",
      "docs//x.md",
      "docs/./x.md",
      "docs/.meta/x",
      "a\\..\\b",
      "",
    ]) {
      await expect(store.put(key, "x", "text/plain"), key).rejects.toThrow(/asset key/);
      await expect(store.get(key), key).rejects.toThrow(/asset key/);
      await expect(store.signedUrl(key, 60), key).rejects.toThrow(/asset key/);
    }
  });

  it("when the TTL or content type is nonsense, then the error names the field", async () => {
    await expect(store.signedUrl("docs/p1/r1/prd.md", 0)).rejects.toThrow(/ttlSeconds/);
    await expect(store.signedUrl("docs/p1/r1/prd.md", 8 * 24 * 3600)).rejects.toThrow(/ttlSeconds/);
    await expect(store.put("docs/p1/r1/x.md", "x", "markdown")).rejects.toThrow(/contentType/);
  });

  it("when the store is usable, then ping resolves", async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});

describe("S3 asset store errors", () => {
  let harness: Awaited<ReturnType<typeof s3Harness>>;
  beforeAll(async () => {
    harness = await s3Harness();
  });
  afterAll(async () => harness.stop());

  it("when the bucket does not exist, then ping fails naming the bucket", async () => {
    const store = createS3AssetStore({ ...harness.options, bucket: "no-such-bucket" });
    await expect(store.ping()).rejects.toThrow(/bucket "no-such-bucket"/);
  });

  it("when the access key is unknown, then put fails and says to check the credentials", async () => {
    const store = createS3AssetStore({ ...harness.options, accessKeyId: "NOT-A-KEY" });
    await expect(store.put("docs/p/r/x.md", "x", "text/plain")).rejects.toThrow(/check the S3 access key/);
  });

  it("when a required option is missing, then the error names it", () => {
    expect(() => createS3AssetStore({ ...harness.options, bucket: "" })).toThrow(/bucket is required/);
  });
});

describe("Supabase asset store errors (fake Supabase Storage API on loopback)", () => {
  let fake: Awaited<ReturnType<typeof startFakeSupabase>>;
  beforeAll(async () => {
    fake = await startFakeSupabase({
      buckets: { "agency-assets": { public: false }, open: { public: true } },
    });
  });
  afterAll(async () => fake.stop());
  const storeFor = (bucket: string, serviceKey = fake.serviceKey) =>
    createSupabaseAssetStore({
      client: createSupabaseClient({ url: fake.url, serviceKey }),
      bucket,
      url: fake.url,
    });

  it("when the bucket is public, then ping fails and says to make it private", async () => {
    await expect(storeFor("open").ping()).rejects.toThrow(/"open".*is public; make it private/);
    await expect(storeFor("agency-assets").ping()).resolves.toBeUndefined();
  });

  it("when the bucket does not exist, then ping fails naming the bucket", async () => {
    await expect(storeFor("no-such-bucket").ping()).rejects.toThrow(
      /bucket "no-such-bucket".*create it as a private bucket/,
    );
  });

  it("when the service key is wrong, then put fails and names SUPABASE_SERVICE_KEY", async () => {
    await expect(
      storeFor("agency-assets", "not-the-key").put("docs/p/r/x.md", "x", "text/plain"),
    ).rejects.toThrow(/upload of "docs\/p\/r\/x.md".*SUPABASE_SERVICE_KEY/);
    expect(fake.objects.size).toBe(0);
  });
});

describe("local asset store", () => {
  it("when a file is put, then nothing is written outside the folder and no temp file is left", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "assets-local-"));
    try {
      const store = createLocalAssetStore({ dir, baseUrl: "http://localhost:8080", signingSecret: SECRET });
      await store.put("docs/p/r/prd.md", "x", "text/markdown");
      expect((await readdir(path.join(dir, "docs/p/r"))).sort()).toEqual(["prd.md"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("when the URL is verified, then signature, key, expiry and secret must all match", async () => {
    const store = createLocalAssetStore({
      dir: tmpdir(),
      baseUrl: "http://localhost:8080/",
      signingSecret: SECRET,
    });
    const url = new URL(await store.signedUrl("docs/p/r/prd.md", 600));
    expect(url.origin + url.pathname).toBe("http://localhost:8080/v1/assets/local/docs/p/r/prd.md");
    const expires = url.searchParams.get("expires")!;
    const sig = url.searchParams.get("sig")!;
    expect(verifyLocalAssetUrl("docs/p/r/prd.md", expires, sig, SECRET)).toBe(true);
    expect(verifyLocalAssetUrl("docs/p/r/prd.md", Number(expires), sig, SECRET)).toBe(true);
    expect(verifyLocalAssetUrl("docs/p/r/other.md", expires, sig, SECRET)).toBe(false);
    expect(verifyLocalAssetUrl("docs/p/r/prd.md", String(Number(expires) + 1), sig, SECRET)).toBe(false);
    expect(verifyLocalAssetUrl("docs/p/r/prd.md", expires, sig, "another-secret-0123456789")).toBe(false);
    expect(verifyLocalAssetUrl("docs/p/r/prd.md", expires, sig.slice(1), SECRET)).toBe(false);
    expect(verifyLocalAssetUrl("docs/p/r/prd.md", expires, sig, SECRET, Number(expires) * 1000)).toBe(false);
    expect(verifyLocalAssetUrl("docs/p/r/prd.md", "12abc", sig, SECRET)).toBe(false);
  });

  it("when the signing secret is short or the base URL relative, then creation fails naming the option", () => {
    expect(() =>
      createLocalAssetStore({ dir: tmpdir(), baseUrl: "http://x", signingSecret: "short" }),
    ).toThrow(/signingSecret/);
    expect(() => createLocalAssetStore({ dir: tmpdir(), baseUrl: "/api", signingSecret: SECRET })).toThrow(
      /baseUrl/,
    );
  });
});
