/**
 * Sentry reporting against a FAKE Sentry ingest server on loopback (this machine cannot reach
 * sentry.io): it accepts envelopes at /api/<project>/envelope/ like the real one and keeps them,
 * so the test reads exactly what the SDK would have sent.
 */
import { createServer, type Server } from "node:http";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureError, initSentry, scrubString, slowRequests, type SentryHandle } from "./sentry.ts";

let ingest: Server;
const envelopes: string[] = [];
let handle: SentryHandle;

beforeAll(async () => {
  ingest = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let body = Buffer.concat(chunks);
      if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
      if (/^\/api\/42\/envelope\/?/.test(req.url ?? "")) envelopes.push(body.toString("utf8"));
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  ingest.listen(0, "127.0.0.1");
  await once(ingest, "listening");
  const { port } = ingest.address() as AddressInfo;
  handle = (await initSentry({
    dsn: `http://publickey@127.0.0.1:${port}/42`,
    service: "orchestrator",
    release: "test",
    slowRequestMs: 50,
  }))!;
});

afterAll(async () => {
  await handle?.close();
  ingest?.close();
});

function events(): Array<Record<string, unknown>> {
  return envelopes.flatMap((e) => {
    const lines = e.split("\n").filter(Boolean);
    const out: Array<Record<string, unknown>> = [];
    for (let i = 1; i + 1 < lines.length; i += 2) {
      const header = JSON.parse(lines[i]!) as { type: string };
      if (header.type === "event") out.push(JSON.parse(lines[i + 1]!) as Record<string, unknown>);
    }
    return out;
  });
}

describe("observability/sentry", () => {
  it("when no DSN is set, then initSentry starts nothing and answers undefined", async () => {
    expect(await initSentry({ dsn: undefined, service: "worker" })).toBeUndefined();
    expect(await initSentry({ dsn: "", service: "worker" })).toBeUndefined();
  });

  it("when an error mentions a lead's email and IP, then the envelope arrives without them", async () => {
    const err = new Error("mail to ada@example.com from 203.0.113.9 and 2001:db8::1 failed");
    const id = captureError(err, { requestId: "req-1", route: "/v1/intake", email: "ada@example.com" });
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    await handle.flush(5000);
    const raw = envelopes.join("\n");
    expect(raw).toContain(id!);
    expect(raw).not.toMatch(/ada@example\.com/);
    expect(raw).not.toContain("203.0.113.9");
    expect(raw).not.toContain("2001:db8::1");
    const event = events().find((e) => e.event_id === id)!;
    expect(event).toBeDefined();
    expect(JSON.stringify(event.exception)).toContain("mail to [email] from [ip]");
    expect(event.tags).toMatchObject({ service: "orchestrator", route: "/v1/intake", requestId: "req-1" });
    expect(event.user).toBeUndefined();
  });

  it("when a request is slow, then a warning with the route template arrives, without cookies, auth, body or IP", async () => {
    const app = express();
    app.use(slowRequests());
    app.post("/v1/leads/:id", express.json(), async (_req, res) => {
      await new Promise((r) => setTimeout(r, 80));
      res.json({ ok: true });
    });
    const server = app.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    const before = envelopes.length;
    await fetch(`http://127.0.0.1:${port}/v1/leads/123?email=bob@example.org`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: "Bearer operator-token-123456",
        cookie: "session=abc",
        "x-forwarded-for": "198.51.100.7",
      },
      body: JSON.stringify({ email: "bob@example.org" }),
    });
    server.close();
    await handle.flush(5000);
    const raw = envelopes.slice(before).join("\n");
    expect(raw).toContain("Slow request: POST /v1/leads/:id");
    for (const secret of [
      "bob@example.org",
      "operator-token-123456",
      "session=abc",
      "198.51.100.7",
      "127.0.0.1",
    ]) {
      expect(raw).not.toContain(secret);
    }
  });

  it("when a string holds addresses, then only the addresses are replaced", () => {
    expect(scrubString("run 4 of ada.l@ex.co at 10.0.0.12, 12:30")).toBe("run 4 of [email] at [ip], 12:30");
  });
});
