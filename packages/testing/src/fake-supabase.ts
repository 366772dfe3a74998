/**
 * A FAKE Supabase project for tests: an HTTP server on loopback that speaks the parts of the
 * Storage API (/storage/v1) and the Auth API (GoTrue, /auth/v1) that @supabase/supabase-js calls
 * for the agency, answering as the real services do, errors included:
 * - Storage: buckets (get), objects (upload with x-upsert, download, info) and signed URLs, whose
 *   tokens are HS256 JWTs over `{ url: "<bucket>/<path>", exp }` checked on every GET, as
 *   storage-api does (a bad or expired token is a 400 InvalidJWT);
 * - Auth: admin users (create), admin generate_link (magic links, without sending mail),
 *   verify (token_hash, single use, expiring) and logout.
 * Every request must carry the service key (or, for logout, the session's access token).
 */
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeSupabase {
  url: string;
  serviceKey: string;
  /** Buckets by id; tests may add one or flip `public`. */
  buckets: Map<string, { public: boolean }>;
  /** Objects by "<bucket>/<path>". */
  objects: Map<string, { body: Buffer; contentType: string }>;
  /** Auth users by lower-cased email. */
  users: Map<string, { id: string; email: string }>;
  /** Every request as "METHOD /path", for tests that check what was (not) called. */
  requests: string[];
  /** Lifetime of generated links in seconds (GoTrue's MAILER_OTP_EXP). Defaults to 3600. */
  otpExpirySeconds: number;
  /** While true every request answers 503, as during an outage. */
  unavailable: boolean;
  /** While true /auth/v1/verify answers 429, as when Auth's verification rate limit is hit. */
  verifyRateLimited: boolean;
  stop(): Promise<void>;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

function signJwt(payload: Record<string, unknown>, secret: string): string {
  const head = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = b64url(JSON.stringify(payload));
  return `${head}.${body}.${createHmac("sha256", secret).update(`${head}.${body}`).digest("base64url")}`;
}

function verifyJwt(token: string, secret: string): Record<string, unknown> | string {
  const [head, body, sig] = token.split(".");
  if (!head || !body || !sig) return "jwt malformed";
  const expected = Buffer.from(createHmac("sha256", secret).update(`${head}.${body}`).digest("base64url"));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return "invalid signature";
  const payload = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as Record<string, unknown>;
  if (typeof payload.exp !== "number" || payload.exp * 1000 <= Date.now()) return "jwt expired";
  return payload;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startFakeSupabase(
  opts: { buckets?: Record<string, { public: boolean }> } = {},
): Promise<FakeSupabase> {
  const jwtSecret = randomBytes(32).toString("hex");
  const serviceKey = signJwt({ role: "service_role", exp: Math.floor(Date.now() / 1000) + 3600 }, jwtSecret);
  const buckets = new Map(Object.entries(opts.buckets ?? { "agency-assets": { public: false } }));
  const objects: FakeSupabase["objects"] = new Map();
  const users: FakeSupabase["users"] = new Map();
  const links = new Map<string, { email: string; expiresAt: number }>();
  const sessions = new Map<string, string>();
  const requests: string[] = [];

  const json = (res: ServerResponse, status: number, body: unknown) =>
    void res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  // storage-api's error shape: HTTP 400 for most, with the "real" code in statusCode.
  const storageError = (
    res: ServerResponse,
    status: number,
    statusCode: string,
    error: string,
    message: string,
  ) => json(res, status, { statusCode, error, message });
  const authError = (res: ServerResponse, status: number, code: string, msg: string) =>
    json(res, status, { code: status, error_code: code, msg });

  const fake: FakeSupabase = {
    url: "",
    serviceKey,
    buckets,
    objects,
    users,
    requests,
    otpExpirySeconds: 3600,
    unavailable: false,
    verifyRateLimited: false,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };

  const userJson = (u: { id: string; email: string }) => ({
    id: u.id,
    aud: "authenticated",
    role: "authenticated",
    email: u.email,
    email_confirmed_at: new Date().toISOString(),
    app_metadata: { provider: "email", providers: ["email"] },
    user_metadata: {},
    identities: [],
    created_at: new Date().toISOString(),
    updated_at: new Date().toISOString(),
  });

  async function storage(req: IncomingMessage, res: ServerResponse, url: URL, rest: string) {
    const method = req.method ?? "GET";
    // Signed GETs carry their token instead of a key.
    const signed = /^object\/sign\/([^/]+)\/(.+)$/.exec(rest);
    if (signed && method === "GET") {
      const [, bucket, path] = signed;
      const claims = verifyJwt(url.searchParams.get("token") ?? "", jwtSecret);
      if (typeof claims === "string") return storageError(res, 400, "400", "InvalidJWT", claims);
      if (claims.url !== `${bucket}/${decodeURIComponent(path!)}`) {
        return storageError(res, 400, "400", "InvalidSignature", "The url do not match the signature");
      }
      const object = objects.get(`${bucket}/${decodeURIComponent(path!)}`);
      if (!object) return storageError(res, 400, "404", "not_found", "Object not found");
      return void res.writeHead(200, { "content-type": object.contentType }).end(object.body);
    }
    if (req.headers.authorization !== `Bearer ${serviceKey}` || req.headers.apikey !== serviceKey) {
      return storageError(res, 400, "403", "Unauthorized", "Invalid Compact JWS");
    }
    const bucketRoute = /^bucket\/([^/]+)$/.exec(rest);
    if (bucketRoute && method === "GET") {
      const bucket = buckets.get(bucketRoute[1]!);
      if (!bucket) return storageError(res, 400, "404", "Bucket not found", "Bucket not found");
      const now = new Date().toISOString();
      return json(res, 200, {
        id: bucketRoute[1],
        name: bucketRoute[1],
        owner: "",
        public: bucket.public,
        created_at: now,
        updated_at: now,
      });
    }
    const sign = /^object\/sign\/([^/]+)\/(.+)$/.exec(rest);
    if (sign && method === "POST") {
      const [, bucket, path] = sign;
      const { expiresIn } = JSON.parse((await readBody(req)).toString("utf8") || "{}") as {
        expiresIn?: number;
      };
      const key = `${bucket}/${decodeURIComponent(path!)}`;
      if (!objects.has(key)) return storageError(res, 400, "404", "not_found", "Object not found");
      if (typeof expiresIn !== "number" || expiresIn < 1) {
        return storageError(res, 400, "400", "InvalidRequest", "expiresIn must be a positive number");
      }
      const iat = Math.floor(Date.now() / 1000);
      const token = signJwt({ url: key, iat, exp: iat + expiresIn }, jwtSecret);
      return json(res, 200, { signedURL: `/object/sign/${bucket}/${path}?token=${token}` });
    }
    const info = /^object\/info\/([^/]+)\/(.+)$/.exec(rest);
    if (info && method === "GET") {
      const key = `${info[1]}/${decodeURIComponent(info[2]!)}`;
      const object = objects.get(key);
      if (!object) return storageError(res, 400, "404", "not_found", "Object not found");
      return json(res, 200, {
        id: randomUUID(),
        name: decodeURIComponent(info[2]!),
        bucket_id: info[1],
        size: object.body.length,
        content_type: object.contentType,
        cache_control: "max-age=60",
        etag: `"${createHash("md5").update(object.body).digest("hex")}"`,
        last_modified: new Date().toISOString(),
        created_at: new Date().toISOString(),
        metadata: {},
      });
    }
    const object = /^object\/([^/]+)\/(.+)$/.exec(rest);
    if (object) {
      const [, bucket, path] = object;
      const key = `${bucket}/${decodeURIComponent(path!)}`;
      if (!buckets.has(bucket!)) return storageError(res, 400, "404", "Bucket not found", "Bucket not found");
      if (method === "GET") {
        const found = objects.get(key);
        if (!found) return storageError(res, 400, "404", "not_found", "Object not found");
        return void res.writeHead(200, { "content-type": found.contentType }).end(found.body);
      }
      if (method === "POST" || method === "PUT") {
        const body = await readBody(req);
        if (method === "POST" && req.headers["x-upsert"] !== "true" && objects.has(key)) {
          return storageError(res, 400, "409", "Duplicate", "The resource already exists");
        }
        objects.set(key, {
          body,
          contentType: String(req.headers["content-type"] ?? "text/plain;charset=UTF-8"),
        });
        return json(res, 200, { Id: randomUUID(), Key: key });
      }
    }
    return storageError(res, 404, "404", "not_found", `no route ${method} /storage/v1/${rest}`);
  }

  async function auth(req: IncomingMessage, res: ServerResponse, url: URL, rest: string) {
    const method = req.method ?? "GET";
    if (req.headers.apikey !== serviceKey) return authError(res, 401, "no_authorization", "Invalid API key");
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const body = () =>
      readBody(req).then((b) => JSON.parse(b.toString("utf8") || "{}") as Record<string, unknown>);
    if (rest === "logout" && method === "POST") {
      if (!bearer || !sessions.has(bearer)) return authError(res, 401, "bad_jwt", "invalid JWT");
      sessions.delete(bearer);
      return void res.writeHead(204).end();
    }
    if (rest === "verify" && method === "POST") {
      if (fake.verifyRateLimited) {
        return authError(res, 429, "over_request_rate_limit", "Request rate limit reached");
      }
      const { token_hash: tokenHash, type } = await body();
      if (type !== "email" && type !== "magiclink") {
        return authError(res, 400, "validation_failed", "Verify requires a verification type");
      }
      const link = links.get(String(tokenHash));
      links.delete(String(tokenHash));
      if (!link || link.expiresAt <= Date.now()) {
        return authError(res, 403, "otp_expired", "Email link is invalid or has expired");
      }
      const user = users.get(link.email)!;
      const accessToken = signJwt(
        { sub: user.id, email: user.email, role: "authenticated", exp: Math.floor(Date.now() / 1000) + 3600 },
        jwtSecret,
      );
      sessions.set(accessToken, user.id);
      return json(res, 200, {
        access_token: accessToken,
        token_type: "bearer",
        expires_in: 3600,
        expires_at: Math.floor(Date.now() / 1000) + 3600,
        refresh_token: randomBytes(12).toString("hex"),
        user: userJson(user),
      });
    }
    if (bearer !== serviceKey) return authError(res, 403, "not_admin", "User not allowed");
    if (rest === "admin/users" && method === "POST") {
      const { email } = await body();
      const address = String(email ?? "").toLowerCase();
      if (!/^[^@\s]+@[^@\s]+$/.test(address))
        return authError(res, 400, "validation_failed", "Unable to validate email address");
      if (users.has(address)) {
        return authError(
          res,
          422,
          "email_exists",
          "A user with this email address has already been registered",
        );
      }
      const user = { id: randomUUID(), email: address };
      users.set(address, user);
      return json(res, 200, userJson(user));
    }
    if (rest === "admin/generate_link" && method === "POST") {
      const { type, email, redirect_to: redirectTo } = await body();
      if (type !== "magiclink") return authError(res, 400, "validation_failed", "Invalid type");
      const user = users.get(String(email ?? "").toLowerCase());
      if (!user) return authError(res, 404, "user_not_found", "User with this email not found");
      const otp = String(Math.floor(100000 + Math.random() * 900000));
      const hashed = createHash("sha224")
        .update(user.email + otp)
        .digest("hex");
      links.set(hashed, { email: user.email, expiresAt: Date.now() + fake.otpExpirySeconds * 1000 });
      return json(res, 200, {
        ...userJson(user),
        action_link: `${fake.url}/auth/v1/verify?token=${hashed}&type=magiclink&redirect_to=${encodeURIComponent(String(redirectTo ?? ""))}`,
        email_otp: otp,
        hashed_token: hashed,
        redirect_to: redirectTo ?? "",
        verification_type: "magiclink",
      });
    }
    return authError(res, 404, "not_found", `no route ${method} /auth/v1/${rest}`);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    requests.push(`${req.method} ${url.pathname}`);
    if (fake.unavailable) return json(res, 503, { message: "upstream unavailable" });
    const handle = url.pathname.startsWith("/storage/v1/")
      ? storage(req, res, url, url.pathname.slice("/storage/v1/".length))
      : url.pathname.startsWith("/auth/v1/")
        ? auth(req, res, url, url.pathname.slice("/auth/v1/".length))
        : Promise.resolve(json(res, 404, { message: "no route" }));
    handle.catch((err: unknown) => json(res, 500, { message: String(err) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
