/**
 * Outgoing email. Production sends through Resend; local mode writes to the `outbox_messages`
 * table, which operators read through `listOutbox`. Both honour the idempotency key the same way
 * Resend does: the same key with the same message is one email (the first id comes back), the same
 * key with a different message is refused. Both validate messages by Resend's rules, so what works
 * locally works in production.
 */
import { CONTROL_CHARACTERS } from "@roboagency/contracts";
import { createHash } from "node:crypto";
import type pg from "pg";
import { Resend } from "resend";

export interface MailMessage {
  /** "Agency <hello@example.com>" or a bare address. */
  from: string;
  /** One recipient address. */
  to: string;
  subject: string;
  html: string;
  text: string;
  /** 1–256 characters; the same key always means the same email. */
  idempotencyKey: string;
  /** Names and values of ASCII letters, digits, '_' or '-' (Resend's rule). */
  tags?: Record<string, string>;
}

export interface SendResult {
  provider: "resend" | "outbox";
  messageId: string;
  /**
   * True when we know this key was sent before and nothing new went out. The outbox always
   * knows; Resend replays the first response without saying so, so it reports false there.
   */
  duplicate: boolean;
}

export interface Mailer {
  send(msg: MailMessage): Promise<SendResult>;
  readonly provider: string;
}

export type MailErrorCode =
  | "invalid_message"
  | "idempotency_key_reused"
  | "idempotency_key_in_flight"
  | "unauthorized"
  | "rate_limited"
  | "provider_unavailable"
  | "rejected";

/** A send that failed; `retryable` says whether trying again later (same key) can succeed. */
export class MailError extends Error {
  constructor(
    message: string,
    readonly code: MailErrorCode,
    readonly retryable: boolean,
    readonly statusCode: number | null = null,
  ) {
    super(message);
    this.name = "MailError";
  }
}

/**
 * The header fields with every control character replaced by a space: a CR/LF in a subject (a
 * company name, say) must never start a header of its own, whichever provider builds the email.
 */
export function headerSafe(msg: MailMessage): MailMessage {
  const line = (v: unknown) =>
    typeof v === "string" ? v.replace(CONTROL_CHARACTERS, " ").replace(/ {2,}/g, " ").trim() : (v as string);
  return { ...msg, from: line(msg.from), to: line(msg.to), subject: line(msg.subject) };
}

const ADDRESS = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const NAMED_ADDRESS = /^[^<>]*<([^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)>$/;
const TAG_PART = /^[A-Za-z0-9_-]{1,256}$/;

export function validateMailMessage(msg: MailMessage): void {
  const bad = (field: string, why: string) =>
    new MailError(`email ${field} ${why}`, "invalid_message", false);
  if (!msg || typeof msg !== "object") throw bad("message", "is missing");
  const from = typeof msg.from === "string" ? msg.from.trim() : "";
  if (!ADDRESS.test(from) && !NAMED_ADDRESS.test(from)) {
    throw bad("from", `must be an address or "Name <address>", got "${msg.from}"`);
  }
  if (typeof msg.to !== "string" || !ADDRESS.test(msg.to.trim())) {
    throw bad("to", `must be one email address, got "${msg.to}"`);
  }
  if (typeof msg.subject !== "string" || msg.subject.trim() === "") throw bad("subject", "is empty");
  if (typeof msg.html !== "string" || typeof msg.text !== "string") throw bad("html/text", "must be strings");
  if (msg.html === "" && msg.text === "") throw bad("html/text", "are both empty");
  const key = msg.idempotencyKey;
  if (typeof key !== "string" || key.length < 1 || key.length > 256) {
    throw bad("idempotencyKey", "must be 1 to 256 characters");
  }
  for (const [name, value] of Object.entries(msg.tags ?? {})) {
    if (!TAG_PART.test(name) || typeof value !== "string" || !TAG_PART.test(value)) {
      throw bad("tags", `"${name}" must have a name and value of ASCII letters, digits, '_' or '-'`);
    }
  }
}

/** What makes two sends "the same message" for the idempotency check. */
function fingerprint(msg: MailMessage): string {
  const tags = Object.entries(msg.tags ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash("sha256")
    .update(JSON.stringify([msg.from.trim(), msg.to.trim(), msg.subject, msg.html, msg.text, tags]))
    .digest("hex");
}

export interface ResendMailerOptions {
  apiKey: string;
  /** Resend API root. Defaults to env RESEND_BASE_URL, else https://api.resend.com (the package's own default). */
  baseUrl?: string;
}

export function createResendMailer(options: ResendMailerOptions): Mailer {
  if (!options.apiKey) throw new Error("createResendMailer: apiKey is required (set RESEND_API_KEY)");
  if (options.baseUrl !== undefined) {
    try {
      new URL(options.baseUrl);
    } catch {
      throw new Error(`createResendMailer: baseUrl must be an absolute URL, got "${options.baseUrl}"`);
    }
  }
  const resend = new Resend(
    options.apiKey,
    options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/+$/, "") } : {},
  );

  return {
    provider: "resend",
    async send(given) {
      const msg = headerSafe(given);
      validateMailMessage(msg);
      const tags = Object.entries(msg.tags ?? {}).map(([name, value]) => ({ name, value }));
      const { data, error } = await resend.emails.send(
        {
          from: msg.from.trim(),
          to: msg.to.trim(),
          subject: msg.subject,
          html: msg.html,
          text: msg.text,
          ...(tags.length ? { tags } : {}),
        },
        { idempotencyKey: msg.idempotencyKey },
      );
      if (error) throw resendError(error);
      if (!data?.id)
        throw new MailError("Resend accepted the email but returned no id", "provider_unavailable", true);
      return { provider: "resend", messageId: data.id, duplicate: false };
    },
  };
}

function resendError(error: { name: string; message: string; statusCode: number | null }): MailError {
  const status = error.statusCode;
  const said = `Resend: ${error.message}`;
  switch (error.name) {
    case "missing_api_key":
    case "invalid_api_key":
    case "restricted_api_key":
      return new MailError(`${said} (check RESEND_API_KEY)`, "unauthorized", false, status);
    case "invalid_idempotent_request":
      return new MailError(
        `${said} (the idempotency key was already used for a different email)`,
        "idempotency_key_reused",
        false,
        status,
      );
    case "concurrent_idempotent_requests":
      return new MailError(
        `${said} (the same key is being sent right now; retry)`,
        "idempotency_key_in_flight",
        true,
        status,
      );
    case "rate_limit_exceeded":
    case "daily_quota_exceeded":
    case "monthly_quota_exceeded":
      return new MailError(said, "rate_limited", true, status);
    case "invalid_from_address":
      return new MailError(
        `${said} (use an address on a domain verified in Resend)`,
        "invalid_message",
        false,
        status,
      );
    case "validation_error":
    case "missing_required_field":
    case "invalid_parameter":
    case "invalid_idempotency_key":
      return new MailError(said, "invalid_message", false, status);
  }
  if (status === null) {
    return new MailError(`cannot reach Resend (${error.message})`, "provider_unavailable", true, status);
  }
  if (status >= 500) return new MailError(said, "provider_unavailable", true, status);
  return new MailError(said, "rejected", false, status);
}

export function createOutboxMailer(pool: pg.Pool): Mailer {
  return {
    provider: "outbox",
    async send(given) {
      const msg = headerSafe(given);
      validateMailMessage(msg);
      const tags = msg.tags ?? {};
      const inserted = await pool.query<{ id: string }>(
        `INSERT INTO outbox_messages (idempotency_key, from_email, to_email, subject, html, text_body, tags)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (idempotency_key) DO NOTHING
         RETURNING id`,
        [
          msg.idempotencyKey,
          msg.from.trim(),
          msg.to.trim(),
          msg.subject,
          msg.html,
          msg.text,
          JSON.stringify(tags),
        ],
      );
      const id = inserted.rows[0]?.id;
      if (id) return { provider: "outbox", messageId: id, duplicate: false };

      const existing = await pool.query<StoredRow>(
        `SELECT ${COLUMNS} FROM outbox_messages WHERE idempotency_key = $1`,
        [msg.idempotencyKey],
      );
      const first = existing.rows[0];
      if (!first)
        throw new MailError(
          "outbox: the message vanished during a concurrent send; retry",
          "provider_unavailable",
          true,
        );
      if (fingerprint(toMessage(first)) !== fingerprint(msg)) {
        throw new MailError(
          "outbox: the idempotency key was already used for a different email",
          "idempotency_key_reused",
          false,
        );
      }
      return { provider: "outbox", messageId: first.id, duplicate: true };
    },
  };
}

export interface OutboxMessage {
  id: string;
  idempotencyKey: string;
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  tags: Record<string, string>;
  createdAt: Date;
}

interface StoredRow {
  id: string;
  idempotency_key: string;
  from_email: string;
  to_email: string;
  subject: string;
  html: string;
  text_body: string;
  tags: Record<string, string>;
  created_at: Date;
}

const COLUMNS = "id, idempotency_key, from_email, to_email, subject, html, text_body, tags, created_at";

function toMessage(row: StoredRow): OutboxMessage {
  return {
    id: row.id,
    idempotencyKey: row.idempotency_key,
    from: row.from_email,
    to: row.to_email,
    subject: row.subject,
    html: row.html,
    text: row.text_body,
    tags: row.tags,
    createdAt: row.created_at,
  };
}

/** Newest first; `to` matches the recipient case-insensitively. */
export async function listOutbox(
  pool: pg.Pool,
  options: { to?: string; limit: number },
): Promise<OutboxMessage[]> {
  if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > 500) {
    throw new Error(`listOutbox: limit must be an integer between 1 and 500, got ${options.limit}`);
  }
  const result = await pool.query<StoredRow>(
    `SELECT ${COLUMNS} FROM outbox_messages
     WHERE $1::text IS NULL OR lower(to_email) = lower($1)
     ORDER BY created_at DESC, id
     LIMIT $2`,
    [options.to?.trim() || null, options.limit],
  );
  return result.rows.map(toMessage);
}
