/**
 * One contract, two adapters:
 * - outbox: rows in `outbox_messages` on the real Postgres from the global setup;
 * - Resend: the real `resend` package talking to a FAKE of Resend's HTTP API on loopback (this
 *   machine cannot reach api.resend.com). The fake speaks POST /emails with Bearer auth, Resend's
 *   error bodies, and its Idempotency-Key rules: same key and payload replays the first id, same key
 *   with another payload is a 409 invalid_idempotent_request.
 */
import { createHash, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@roboagency/testing/ports";
import { createTestDatabase, type TestDatabase } from "@roboagency/testing/database";
import { migrate, openDatabase, type Database } from "./database.ts";
import {
  createOutboxMailer,
  createResendMailer,
  listOutbox,
  MailError,
  type MailMessage,
  type Mailer,
} from "./mailer.ts";

interface Delivered {
  to: string;
  subject: string;
  html: string;
  text: string;
  tags: Record<string, string>;
}

interface Harness {
  mailer: Mailer;
  /** What actually left (fake Resend received it / the outbox holds it), oldest first. */
  delivered(): Promise<Delivered[]>;
  stop(): Promise<void>;
}

const API_KEY = "re_test_key";

/** FAKE of Resend's API: only what the mailer uses, with Resend's status codes and error names. */
async function startFakeResend(): Promise<{ url: string; received: Delivered[]; stop(): Promise<void> }> {
  const received: Delivered[] = [];
  const byKey = new Map<string, { hash: string; id: string }>();
  const reply = (res: import("node:http").ServerResponse, status: number, body: object) =>
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => (raw += chunk));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/emails") {
        return reply(res, 404, { statusCode: 404, name: "not_found", message: "Not found" });
      }
      if (!req.headers.authorization) {
        return reply(res, 401, {
          statusCode: 401,
          name: "missing_api_key",
          message: "Missing API key in the authorization header.",
        });
      }
      if (req.headers.authorization !== `Bearer ${API_KEY}`) {
        return reply(res, 403, { statusCode: 403, name: "invalid_api_key", message: "API key is invalid" });
      }
      const body = JSON.parse(raw) as {
        from?: string;
        to?: string | string[];
        subject?: string;
        html?: string;
        text?: string;
        tags?: Array<{ name: string; value: string }>;
      };
      if (!body.from || !body.to || !body.subject) {
        return reply(res, 422, {
          statusCode: 422,
          name: "validation_error",
          message: "Missing `from`, `to` or `subject` field.",
        });
      }
      const key = req.headers["idempotency-key"];
      const hash = createHash("sha256").update(raw).digest("hex");
      if (typeof key === "string") {
        const seen = byKey.get(key);
        if (seen && seen.hash !== hash) {
          return reply(res, 409, {
            statusCode: 409,
            name: "invalid_idempotent_request",
            message: "Same idempotency key used with a different request payload.",
          });
        }
        if (seen) return reply(res, 200, { id: seen.id });
      }
      const id = randomUUID();
      if (typeof key === "string") byKey.set(key, { hash, id });
      received.push({
        to: Array.isArray(body.to) ? body.to.join(",") : body.to,
        subject: body.subject,
        html: body.html ?? "",
        text: body.text ?? "",
        tags: Object.fromEntries((body.tags ?? []).map((t) => [t.name, t.value])),
      });
      reply(res, 200, { id });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    stop: () => new Promise((r) => server.close(() => r())),
  };
}

async function resendHarness(): Promise<Harness> {
  const fake = await startFakeResend();
  return {
    mailer: createResendMailer({ apiKey: API_KEY, baseUrl: fake.url }),
    delivered: async () => fake.received,
    stop: fake.stop,
  };
}

async function outboxHarness(): Promise<Harness & { db: Database }> {
  const testDb: TestDatabase = await createTestDatabase();
  const db = await openDatabase({ url: testDb.url });
  await migrate(db.pool);
  return {
    db,
    mailer: createOutboxMailer(db.pool),
    delivered: async () =>
      (await listOutbox(db.pool, { limit: 500 }))
        .reverse()
        .map(({ to, subject, html, text, tags }) => ({ to, subject, html, text, tags })),
    stop: async () => {
      await db.close();
      await testDb.drop();
    },
  };
}

let counter = 0;
function message(overrides: Partial<MailMessage> = {}): MailMessage {
  counter++;
  return {
    from: "RoboAgency <hello@agency.example>",
    to: "lead@example.com",
    subject: `Your demo is ready #${counter}`,
    html: "<p>Hello</p>",
    text: "Hello",
    idempotencyKey: `campaign-${randomUUID()}-demo`,
    tags: { campaign: "c1", step: "demo" },
    ...overrides,
  };
}

describe.each([
  ["outbox (Postgres)", outboxHarness],
  ["Resend (fake Resend API on loopback)", resendHarness],
] as const)("Mailer contract: %s", (_name, start) => {
  let h: Harness;
  beforeAll(async () => {
    h = await start();
  });
  afterAll(async () => h.stop());

  it("when a message is sent, then it is delivered once with its content and tags", async () => {
    const msg = message();
    const result = await h.mailer.send(msg);
    expect(result.provider).toBe(h.mailer.provider);
    expect(result.messageId).toMatch(/\S/);
    expect(result.duplicate).toBe(false);
    const sent = (await h.delivered()).filter((d) => d.subject === msg.subject);
    expect(sent).toEqual([
      { to: "lead@example.com", subject: msg.subject, html: "<p>Hello</p>", text: "Hello", tags: msg.tags },
    ]);
  });

  it("when the same message is sent twice with one key, then one email leaves and both get the same id", async () => {
    const msg = message();
    const first = await h.mailer.send(msg);
    const second = await h.mailer.send(msg);
    expect(second.messageId).toBe(first.messageId);
    if (h.mailer.provider === "outbox") expect(second.duplicate).toBe(true);
    expect((await h.delivered()).filter((d) => d.subject === msg.subject)).toHaveLength(1);
  });

  it("when the same message is sent twice at once with one key, then one email leaves", async () => {
    const msg = message();
    const [a, b] = await Promise.all([h.mailer.send(msg), h.mailer.send(msg)]);
    expect(a.messageId).toBe(b.messageId);
    expect((await h.delivered()).filter((d) => d.subject === msg.subject)).toHaveLength(1);
  });

  it("when a key is reused for a different message, then the send is refused as a reused key", async () => {
    const msg = message();
    await h.mailer.send(msg);
    const err = await h.mailer.send({ ...msg, subject: "Something else" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailError);
    expect(err).toMatchObject({ code: "idempotency_key_reused", retryable: false });
    expect((await h.delivered()).filter((d) => d.subject === "Something else")).toHaveLength(0);
  });

  it("when a header field holds CR/LF or other control characters, then they become spaces and start no header", async () => {
    const id = randomUUID();
    const msg = message({
      from: "Acme\r\nBcc: x@evil.test <hello@agency.example>",
      to: "lead@example.com\r\n",
      subject: `Your demo for Acme\r\nBcc: x@evil.test\u0085\u2028${id}`,
    });
    await h.mailer.send(msg);
    const sent = (await h.delivered()).filter((d) => d.subject.startsWith("Your demo for Acme"));
    expect(sent.map((d) => [d.to, d.subject])).toEqual([
      ["lead@example.com", `Your demo for Acme Bcc: x@evil.test ${id}`],
    ]);
  });

  it("when a field breaks Resend's rules, then the send is refused naming the field and nothing leaves", async () => {
    const before = (await h.delivered()).length;
    const cases: Array<[Partial<MailMessage>, RegExp]> = [
      [{ to: "not-an-address" }, /email to /],
      [{ to: "a@example.com, b@example.com" }, /email to /],
      [{ from: "nobody" }, /email from /],
      [{ subject: "  " }, /email subject /],
      [{ idempotencyKey: "" }, /idempotencyKey/],
      [{ idempotencyKey: "k".repeat(257) }, /idempotencyKey/],
      [{ tags: { "bad tag": "x" } }, /email tags /],
      [{ html: "", text: "" }, /email html\/text/],
    ];
    for (const [override, pattern] of cases) {
      const err = await h.mailer.send(message(override)).catch((e: unknown) => e);
      expect(err, JSON.stringify(override)).toBeInstanceOf(MailError);
      expect((err as MailError).message).toMatch(pattern);
      expect((err as MailError).code).toBe("invalid_message");
    }
    expect((await h.delivered()).length).toBe(before);
  });
});

describe("Resend mailer errors (fake Resend API on loopback)", () => {
  let fake: Awaited<ReturnType<typeof startFakeResend>>;
  beforeAll(async () => {
    fake = await startFakeResend();
  });
  afterAll(async () => fake.stop());

  it("when the API key is wrong, then the error says to check RESEND_API_KEY and is not retryable", async () => {
    const mailer = createResendMailer({ apiKey: "re_wrong", baseUrl: fake.url });
    const err = await mailer.send(message()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "unauthorized", retryable: false, statusCode: 403 });
    expect((err as Error).message).toMatch(/RESEND_API_KEY/);
  });

  it("when Resend cannot be reached, then the error is retryable and says so", async () => {
    const mailer = createResendMailer({ apiKey: API_KEY, baseUrl: `http://127.0.0.1:${await freePort()}` });
    const err = await mailer.send(message()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "provider_unavailable", retryable: true });
    expect((err as Error).message).toMatch(/cannot reach Resend/);
  });

  it("when the API key or base URL is missing or malformed, then creation fails naming it", () => {
    expect(() => createResendMailer({ apiKey: "" })).toThrow(/RESEND_API_KEY/);
    expect(() => createResendMailer({ apiKey: API_KEY, baseUrl: "api.resend.com" })).toThrow(/baseUrl/);
  });
});

describe("listOutbox", () => {
  let h: Awaited<ReturnType<typeof outboxHarness>>;
  beforeAll(async () => {
    h = await outboxHarness();
  });
  afterAll(async () => h.stop());

  it("when filtered by recipient, then only their messages come back, newest first, up to the limit", async () => {
    for (const to of ["a@example.com", "b@example.com", "A@example.com", "a@example.com"]) {
      await h.mailer.send(message({ to }));
    }
    const forA = await listOutbox(h.db.pool, { to: "a@example.com", limit: 10 });
    expect(forA).toHaveLength(3);
    expect(forA.every((m) => m.to.toLowerCase() === "a@example.com")).toBe(true);
    const times = forA.map((m) => m.createdAt.getTime());
    expect([...times].sort((x, y) => y - x)).toEqual(times);
    expect(await listOutbox(h.db.pool, { limit: 2 })).toHaveLength(2);
    await expect(listOutbox(h.db.pool, { limit: 0 })).rejects.toThrow(/limit/);
  });
});
