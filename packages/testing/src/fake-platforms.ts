/**
 * Fake social platforms for the posting adapters' tests: HTTP servers on 127.0.0.1 that speak the
 * parts of the X API v2, LinkedIn Posts API, YouTube Data API v3 (with Google's OAuth2 token
 * endpoint) and Instagram Graph API that the adapters call. They keep what was posted, answer a
 * scripted 429 with Retry-After or a refusal, and can refuse reads (as X's free tier does).
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

export interface FakeAnswer {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
}

export interface FakePlatform<Post> {
  url: string;
  requests: FakeRequest[];
  /** What the platform holds, newest last. */
  posts: Post[];
  /** Answers for the next creates, in order (then creates succeed again). */
  nextCreate: FakeAnswer[];
  /** Reads of the account's posts answer 403. */
  readsRefused: boolean;
  /** The self-signed certificate a TLS fake serves, for the client to trust. */
  ca?: string;
  close(): Promise<void>;
}

/** A throwaway certificate for 127.0.0.1 (Debian's openssl), for clients that speak only HTTPS. */
function loopbackCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "fake-tls-"));
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        path.join(dir, "key.pem"),
        "-out",
        path.join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    return {
      key: readFileSync(path.join(dir, "key.pem"), "utf8"),
      cert: readFileSync(path.join(dir, "cert.pem"), "utf8"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Route = (req: FakeRequest, res: ServerResponse) => boolean | Promise<boolean>;

function send(res: ServerResponse, answer: FakeAnswer) {
  res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
  res.end(answer.json === undefined ? "" : JSON.stringify(answer.json));
}

async function serve<Post>(
  build: (fake: FakePlatform<Post>) => Route,
  options: { tls?: boolean } = {},
): Promise<FakePlatform<Post>> {
  const fake: FakePlatform<Post> = {
    url: "",
    requests: [],
    posts: [],
    nextCreate: [],
    readsRefused: false,
    close: async () => {},
  };
  const route = build(fake);
  const listener: RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://fake");
      const request: FakeRequest = {
        method: req.method ?? "GET",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      fake.requests.push(request);
      Promise.resolve(route(request, res))
        .then((handled) => {
          if (!handled)
            send(res, {
              status: 404,
              json: { error: { message: `no route ${request.method} ${request.path}` } },
            });
        })
        .catch((err: Error) => send(res, { status: 500, json: { error: { message: err.message } } }));
    });
  };
  const tls = options.tls ? loopbackCertificate() : undefined;
  const server = tls ? createTlsServer(tls, listener) : createServer(listener);
  fake.ca = tls?.cert;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `${tls ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}

const json = (req: FakeRequest) => JSON.parse(req.body.toString("utf8") || "{}") as Record<string, unknown>;
const form = (req: FakeRequest) => new URLSearchParams(req.body.toString("utf8"));

/**
 * X API v2: POST /2/tweets, GET /2/users/me, GET /2/users/:id/tweets; OAuth 1.0a header required.
 * Over TLS, since twitter-api-v2 speaks only HTTPS.
 */
export function fakeX() {
  return serve<{ id: string; text: string; created_at: string }>(
    (fake) => (req, res) => {
      if (!String(req.headers.authorization ?? "").startsWith("OAuth ")) {
        send(res, { status: 401, json: { title: "Unauthorized", detail: "Unauthorized", status: 401 } });
        return true;
      }
      if (req.method === "POST" && req.path === "/2/tweets") {
        const scripted = fake.nextCreate.shift();
        if (scripted) return (send(res, scripted), true);
        const text = String(json(req).text ?? "");
        if (fake.posts.some((p) => p.text === text)) {
          send(res, {
            status: 403,
            json: {
              title: "Forbidden",
              detail: "You are not allowed to create a Tweet with duplicate content.",
              status: 403,
            },
          });
          return true;
        }
        const id = String(1_800_000_000_000_000_000n + BigInt(fake.posts.length + 1));
        // X shortens every link to t.co.
        const stored = text.replace(/https?:\/\/\S+/g, "https://t.co/abc123");
        fake.posts.push({ id, text: stored, created_at: new Date().toISOString() });
        send(res, { status: 201, json: { data: { id, text: stored, edit_history_tweet_ids: [id] } } });
        return true;
      }
      if (req.method === "GET" && req.path === "/2/users/me") {
        send(res, { status: 200, json: { data: { id: "42", name: "Agency", username: "agency" } } });
        return true;
      }
      if (req.method === "GET" && req.path === "/2/users/42/tweets") {
        if (fake.readsRefused) {
          send(res, {
            status: 403,
            json: {
              title: "Client Forbidden",
              detail: "This endpoint needs a higher access tier.",
              status: 403,
            },
          });
          return true;
        }
        const since = Date.parse(req.query.get("start_time") ?? "1970-01-01");
        const data = fake.posts.filter((p) => Date.parse(p.created_at) >= since).reverse();
        send(res, { status: 200, json: { data, meta: { result_count: data.length } } });
        return true;
      }
      return false;
    },
    { tls: true },
  );
}

/** LinkedIn: POST /oauth/v2/accessToken (refresh), POST /rest/posts, GET /rest/posts?q=author. */
export function fakeLinkedIn(options: { validToken?: string } = {}) {
  let validToken = options.validToken ?? "li-token-1";
  let refreshes = 0;
  return serve<{ id: string; author: string; commentary: string }>((fake) => (req, res) => {
    if (req.method === "POST" && req.path === "/oauth/v2/accessToken") {
      const body = form(req);
      if (body.get("grant_type") !== "refresh_token" || body.get("refresh_token") !== "li-refresh") {
        send(res, { status: 400, json: { error: "invalid_grant", error_description: "bad refresh token" } });
        return true;
      }
      validToken = `li-token-${++refreshes + 1}`;
      send(res, { status: 200, json: { access_token: validToken, expires_in: 5_184_000 } });
      return true;
    }
    if (!req.path.startsWith("/rest/")) return false;
    if (req.headers.authorization !== `Bearer ${validToken}`) {
      send(res, {
        status: 401,
        json: {
          status: 401,
          code: "EXPIRED_ACCESS_TOKEN",
          message: "The token used in the request has expired",
        },
      });
      return true;
    }
    if (
      !/^\d{6}$/.test(String(req.headers["linkedin-version"])) ||
      req.headers["x-restli-protocol-version"] !== "2.0.0"
    ) {
      send(res, {
        status: 426,
        json: { status: 426, code: "NONEXISTENT_VERSION", message: "Requested version is not active" },
      });
      return true;
    }
    if (req.method === "POST" && req.path === "/rest/posts") {
      const scripted = fake.nextCreate.shift();
      if (scripted) return (send(res, scripted), true);
      const body = json(req);
      if (body.lifecycleState !== "PUBLISHED" || typeof body.commentary !== "string" || !body.author) {
        send(res, { status: 422, json: { status: 422, message: "ERROR :: /commentary :: is required" } });
        return true;
      }
      const id = `urn:li:share:${7_000_000 + fake.posts.length + 1}`;
      fake.posts.push({ id, author: String(body.author), commentary: body.commentary });
      res.writeHead(201, { "x-restli-id": id });
      res.end();
      return true;
    }
    if (req.method === "GET" && req.path === "/rest/posts" && req.query.get("q") === "author") {
      if (fake.readsRefused) {
        send(res, {
          status: 403,
          json: {
            status: 403,
            message: "Not enough permissions to access: partnerApiPostsExternal.FINDER-author",
          },
        });
        return true;
      }
      const author = req.query.get("author");
      const elements = fake.posts.filter((p) => p.author === author).reverse();
      send(res, { status: 200, json: { elements, paging: { start: 0, count: 20 } } });
      return true;
    }
    return false;
  }).then((fake) => Object.assign(fake, { refreshes: () => refreshes }));
}

/** Google OAuth2 token endpoint and YouTube Data v3: multipart upload, search.list, videos.list. */
export function fakeYouTube() {
  let issued = 0;
  return serve<{ id: string; title: string; description: string; tags: string[]; videoBytes: number }>(
    (fake) => (req, res) => {
      if (req.method === "POST" && req.path === "/token") {
        const body = form(req);
        if (body.get("grant_type") !== "refresh_token" || body.get("refresh_token") !== "yt-refresh") {
          send(res, {
            status: 400,
            json: { error: "invalid_grant", error_description: "Token has been expired or revoked." },
          });
          return true;
        }
        send(res, {
          status: 200,
          json: { access_token: `ya29.fake-${++issued}`, expires_in: 3599, token_type: "Bearer" },
        });
        return true;
      }
      if (!String(req.headers.authorization ?? "").startsWith("Bearer ya29.fake-")) {
        send(res, {
          status: 401,
          json: { error: { code: 401, message: "Invalid Credentials", errors: [{ reason: "authError" }] } },
        });
        return true;
      }
      if (req.method === "POST" && req.path === "/upload/youtube/v3/videos") {
        const scripted = fake.nextCreate.shift();
        if (scripted) return (send(res, scripted), true);
        if (req.query.get("uploadType") !== "multipart") return false;
        // multipart/related: the JSON metadata part, then the video part.
        const boundary = /boundary=([^;]+)/.exec(String(req.headers["content-type"]))?.[1];
        if (!boundary) return false;
        const raw = req.body.toString("latin1");
        const parts = raw.split(`--${boundary}`).slice(1, -1);
        const [metaPart, videoPart] = parts.map((p) =>
          p.slice(p.indexOf("\r\n\r\n") + 4).replace(/\r\n$/, ""),
        );
        const meta = JSON.parse(metaPart ?? "{}") as {
          snippet?: { title?: string; description?: string; tags?: string[] };
        };
        if (!meta.snippet?.title || !videoPart) {
          send(res, {
            status: 400,
            json: {
              error: { code: 400, message: "No video or title", errors: [{ reason: "invalidTitle" }] },
            },
          });
          return true;
        }
        const id = `vid${String(fake.posts.length + 1).padStart(8, "0")}`;
        fake.posts.push({
          id,
          title: meta.snippet.title,
          description: meta.snippet.description ?? "",
          tags: meta.snippet.tags ?? [],
          videoBytes: Buffer.byteLength(videoPart, "latin1"),
        });
        send(res, { status: 200, json: { kind: "youtube#video", id, snippet: meta.snippet } });
        return true;
      }
      if (req.method === "GET" && req.path === "/youtube/v3/search") {
        const items = [...fake.posts]
          .reverse()
          .map((p) => ({ kind: "youtube#searchResult", id: { kind: "youtube#video", videoId: p.id } }));
        send(res, { status: 200, json: { items } });
        return true;
      }
      if (req.method === "GET" && req.path === "/youtube/v3/videos") {
        const ids = new Set(req.query.getAll("id").flatMap((v) => v.split(",")));
        const items = fake.posts
          .filter((p) => ids.has(p.id))
          .map((p) => ({ id: p.id, snippet: { title: p.title, description: p.description, tags: p.tags } }));
        send(res, { status: 200, json: { items } });
        return true;
      }
      return false;
    },
  ).then((fake) => Object.assign(fake, { tokensIssued: () => issued }));
}

/** Instagram Graph API: refresh_access_token, /{ig-user}/media (create, list), /{container}, media_publish. */
export function fakeInstagram(options: { userId?: string; token?: string; processingPolls?: number } = {}) {
  const userId = options.userId ?? "1784";
  let token = options.token ?? "IGQ-long-lived-1";
  let refreshes = 0;
  const containers = new Map<string, { caption: string; status: string; polls: number; mediaId?: string }>();
  return serve<{ id: string; caption: string; timestamp: string; media_url: string }>(
    (fake) => (req, res) => {
      if (req.method === "GET" && req.path === "/refresh_access_token") {
        if (req.query.get("grant_type") !== "ig_refresh_token" || req.query.get("access_token") !== token) {
          send(res, {
            status: 400,
            json: { error: { message: "Invalid OAuth access token", type: "OAuthException", code: 190 } },
          });
          return true;
        }
        token = `IGQ-long-lived-${++refreshes + 1}`;
        send(res, {
          status: 200,
          json: { access_token: token, token_type: "bearer", expires_in: 5_183_944 },
        });
        return true;
      }
      const m = /^\/v[\d.]+\/(.+)$/.exec(req.path);
      if (!m) return false;
      if (req.headers.authorization !== `Bearer ${token}`) {
        send(res, {
          status: 400,
          json: { error: { message: "Error validating access token", type: "OAuthException", code: 190 } },
        });
        return true;
      }
      const [first, second] = m[1]!.split("/");
      if (first === userId && second === "media" && req.method === "POST") {
        const body = form(req);
        const mediaUrl = body.get("image_url") ?? body.get("video_url");
        if (!mediaUrl) {
          send(res, {
            status: 400,
            json: {
              error: { message: "The parameter image_url is required", type: "OAuthException", code: 100 },
            },
          });
          return true;
        }
        const id = `1790${randomUUID().replace(/\D/g, "").slice(0, 10)}`;
        containers.set(id, {
          caption: body.get("caption") ?? "",
          status: body.get("media_type") === "REELS" ? "IN_PROGRESS" : "FINISHED",
          polls: 0,
        });
        send(res, { status: 200, json: { id } });
        return true;
      }
      if (first === userId && second === "media_publish" && req.method === "POST") {
        const scripted = fake.nextCreate.shift();
        if (scripted) return (send(res, scripted), true);
        const container = containers.get(form(req).get("creation_id") ?? "");
        if (!container || container.status !== "FINISHED") {
          send(res, {
            status: 400,
            json: { error: { message: "Media ID is not available", type: "OAuthException", code: 9007 } },
          });
          return true;
        }
        const id = `1791${String(fake.posts.length + 1).padStart(8, "0")}`;
        container.status = "PUBLISHED";
        container.mediaId = id;
        fake.posts.push({
          id,
          caption: container.caption,
          timestamp: new Date().toISOString(),
          media_url: "",
        });
        send(res, { status: 200, json: { id } });
        return true;
      }
      if (first === userId && second === "media" && req.method === "GET") {
        if (fake.readsRefused) {
          send(res, {
            status: 403,
            json: { error: { message: "Permissions error", type: "OAuthException", code: 10 } },
          });
          return true;
        }
        send(res, {
          status: 200,
          json: {
            data: [...fake.posts].reverse().map(({ id, caption, timestamp }) => ({ id, caption, timestamp })),
          },
        });
        return true;
      }
      const container = containers.get(first!);
      if (container && !second && req.method === "GET") {
        if (container.status === "IN_PROGRESS" && ++container.polls >= (options.processingPolls ?? 2)) {
          container.status = "FINISHED";
        }
        send(res, { status: 200, json: { id: first, status_code: container.status } });
        return true;
      }
      return false;
    },
  ).then((fake) => Object.assign(fake, { refreshes: () => refreshes, currentToken: () => token }));
}
