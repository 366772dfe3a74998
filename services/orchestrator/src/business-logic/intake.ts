/**
 * The intake: validation that names every bad field, and the one transaction that creates the
 * lead, the project and the run. Idempotency keys make a retried submit answer as the first did.
 */
import { createHash, randomUUID } from "node:crypto";
import { z } from "zod";
import { listSectors } from "@roboagency/agents";
import type pg from "pg";
import { withTransaction } from "../data-access/database.ts";
import { CONTROL_CHARACTERS } from "../data-access/mailer.ts";
import { findIdempotent, insertIntake, type IntakeRecord } from "../data-access/leads-projects.ts";
import { lockForTransaction } from "../data-access/locks.ts";
import type { Limit, RateLimits } from "../data-access/rate-limits.ts";
import { HttpError, type FieldError } from "./errors.ts";

export const DEFAULT_WORKFLOW = "proto_v1";
export const WORKFLOWS = [DEFAULT_WORKFLOW] as const;

const optionalText = (max: number) =>
  z
    .string({ error: "must be a string" })
    .trim()
    .max(max, { error: `must be at most ${max} characters` })
    .optional()
    .transform((v) => (v ? v : undefined));

/**
 * A one-line field (a name, a company): control characters, CR/LF among them, become spaces, so
 * a value cannot break a line wherever it is shown, an email header least of all.
 */
const optionalLine = (max: number) =>
  z.preprocess((v) => (typeof v === "string" ? v.replace(CONTROL_CHARACTERS, " ") : v), optionalText(max));

export function intakeSchema(ideaMaxChars: number) {
  const sectorIds = new Set(listSectors().map((s) => s.id));
  return z.strictObject(
    {
      email: z
        .string({ error: "is required" })
        .trim()
        .max(254, { error: "must be at most 254 characters" })
        .pipe(z.email({ error: "must be a valid email address" })),
      name: optionalLine(200),
      company: optionalLine(200),
      sector: z
        .string({ error: "is required" })
        .refine((s) => sectorIds.has(s), { error: "is not a known sector (see GET /v1/sectors)" }),
      idea: z
        .string({ error: "is required" })
        .trim()
        .min(20, { error: "must be at least 20 characters: describe the idea in a sentence or two" })
        .max(ideaMaxChars, { error: `must be at most ${ideaMaxChars} characters` }),
      goals: optionalText(2000),
      budget: optionalLine(200),
      timeline: optionalLine(200),
    },
    { error: (issue) => (issue.code === "unrecognized_keys" ? "is not a field of the intake" : undefined) },
  );
}

export function fieldErrors(error: z.ZodError): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out.push({ field: key, message: "is not a field of the intake" });
    } else {
      out.push({ field: issue.path.join(".") || "body", message: issue.message });
    }
  }
  return out;
}

export function parseIntake(body: unknown, ideaMaxChars: number): IntakeRecord {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(422, "invalid_request", "The body must be a JSON object.", [
      { field: "body", message: "must be a JSON object" },
    ]);
  }
  const parsed = intakeSchema(ideaMaxChars).safeParse(body);
  if (!parsed.success) {
    const fields = fieldErrors(parsed.error);
    throw new HttpError(
      422,
      "invalid_request",
      `Invalid intake: ${fields.map((f) => `${f.field} ${f.message}`).join("; ")}.`,
      fields,
    );
  }
  return parsed.data;
}

export interface IntakeAccepted {
  lead_id: string;
  project_id: string;
  run_id: string;
  status: "queued";
  status_url: string;
  events_url: string;
}

const hashBody = (body: unknown) => createHash("sha256").update(JSON.stringify(body)).digest("hex");

export interface IntakeLimits {
  perEmailPerHour: number;
  /** 0 turns the per-client-address limit off (load tests from one machine). */
  perClientPerHour: number;
  perDay: number;
}

/** No one mailbox or client address may use more than this share of the daily ceiling. */
export const DAILY_SHARE = 0.1;

/** Providers known to ignore dots in the local part, and their canonical domain. */
const DOTLESS_DOMAINS: Record<string, string> = { "gmail.com": "gmail.com", "googlemail.com": "gmail.com" };

/**
 * The mailbox an address delivers to, for counting: lowercase, without a `+tag` (the big
 * providers and most mail servers deliver `ada+x@` to `ada@`), and without dots where the
 * provider ignores them. Only the limits use it; the lead keeps the address as given.
 */
export function mailboxOf(email: string): string {
  const at = email.lastIndexOf("@");
  let local = email.slice(0, at).toLowerCase();
  let domain = email.slice(at + 1).toLowerCase();
  local = local.split("+")[0] || local;
  const canonical = DOTLESS_DOMAINS[domain];
  if (canonical) {
    domain = canonical;
    local = local.replace(/\./g, "") || local;
  }
  return `${local}@${domain}`;
}

/** A counter key that carries no address in the clear and fits the store's key column. */
const keyOf = (value: string) => createHash("sha256").update(value).digest("base64url");

export interface Admission {
  /** Gives the points back when the intake was not created after all. */
  release(): Promise<void>;
}

export type AdmitIntake = (email: string, clientAddress: string | undefined) => Promise<Admission>;

const minutes = (seconds: number) => {
  const m = Math.ceil(seconds / 60);
  return `${m} minute${m === 1 ? "" : "s"}`;
};

/**
 * Every intake starts model work, so the public endpoint is bounded: a few per client address and
 * per mailbox an hour (a person retrying), and a daily ceiling for the whole agency (a cap on
 * spend). The ceiling is checked last and counts only intakes the per-address limits let through,
 * each address at most its daily share, so no single address can use it up. Each check is one
 * atomic counter, so parallel requests cannot all pass it.
 */
export function intakeAdmission(rateLimits: RateLimits, limits: IntakeLimits): AdmitIntake {
  const share = (hourly: number) => Math.max(hourly, Math.ceil(limits.perDay * DAILY_SHARE));
  const clientHour = rateLimits.limit("intake-client-hour", limits.perClientPerHour, 3600);
  const clientDay = rateLimits.limit("intake-client-day", share(limits.perClientPerHour), 86400);
  const emailHour = rateLimits.limit("intake-email-hour", limits.perEmailPerHour, 3600);
  const emailDay = rateLimits.limit("intake-email-day", share(limits.perEmailPerHour), 86400);
  const agencyDay = rateLimits.limit("intake-day", limits.perDay, 86400);
  const retry = (seconds: number) => ({ "retry-after": String(seconds) });
  const busyEmail = (seconds: number, window: string, limit: number) =>
    new HttpError(
      429,
      "rate_limited",
      `This address sent too many intakes in the last ${window}; try again in ${minutes(seconds)} or follow the projects already started.`,
      [{ field: "email", message: `has sent the most intakes allowed in a ${window} (${limit})` }],
      retry(seconds),
    );
  const busyClient = (seconds: number, window: string, limit: number) =>
    new HttpError(
      429,
      "rate_limited",
      `Too many intakes came from your network address in the last ${window} (limit ${limit}); try again in ${minutes(seconds)}.`,
      undefined,
      retry(seconds),
    );

  return async (email, clientAddress) => {
    const mailbox = keyOf(mailboxOf(email));
    type Check = { limit: Limit; key: string; refuse: (seconds: number) => HttpError };
    const checks: Check[] = [];
    if (limits.perClientPerHour > 0 && clientAddress) {
      const client = keyOf(clientAddress);
      checks.push(
        { limit: clientHour, key: client, refuse: (s) => busyClient(s, "hour", limits.perClientPerHour) },
        {
          limit: clientDay,
          key: client,
          refuse: (s) => busyClient(s, "day", share(limits.perClientPerHour)),
        },
      );
    }
    checks.push(
      { limit: emailHour, key: mailbox, refuse: (s) => busyEmail(s, "hour", limits.perEmailPerHour) },
      { limit: emailDay, key: mailbox, refuse: (s) => busyEmail(s, "day", share(limits.perEmailPerHour)) },
      {
        limit: agencyDay,
        key: "agency",
        refuse: (s) =>
          new HttpError(
            429,
            "capacity_reached",
            "The agency has taken all the intakes it can today; please try again tomorrow.",
            undefined,
            retry(s),
          ),
      },
    );
    const taken: Check[] = [];
    const release = async () => {
      await Promise.all(taken.map((c) => c.limit.giveBack(c.key)));
    };
    for (const check of checks) {
      const result = await check.limit.take(check.key);
      if (!result.ok) {
        // A refused intake costs the other counters nothing, so the ceiling counts only accepted ones.
        await release();
        throw check.refuse(result.retryAfterSeconds);
      }
      taken.push(check);
    }
    return { release };
  };
}

/**
 * Creates lead, project and run in one transaction. With an idempotency key, a replay answers
 * the stored response, writes nothing and counts against no limit; the same key with another
 * body is refused. Returns `created: false` for a replay so the caller does not enqueue twice.
 */
export async function submitIntake(
  pool: pg.Pool,
  intake: IntakeRecord,
  idempotencyKey: string | undefined,
  admit?: () => Promise<Admission>,
): Promise<{ response: IntakeAccepted; created: boolean }> {
  const requestHash = hashBody(intake);
  let admission: Admission | undefined;
  try {
    // Without a key nothing can be a replay: the limits are taken before the transaction, so its
    // connection is not held through their round trips.
    if (!idempotencyKey) admission = await admit?.();
    return await withTransaction(pool, async (tx) => {
      if (idempotencyKey) {
        // Serialises concurrent submits with one key, so exactly one of them creates the rows.
        await lockForTransaction(tx, `idem:${idempotencyKey}`);
        const previous = await findIdempotent(tx, idempotencyKey);
        if (previous) {
          if (previous.request_hash !== requestHash) {
            throw new HttpError(
              422,
              "idempotency_key_reused",
              "This Idempotency-Key was already used with a different body; use a new key for a new intake.",
              [{ field: "Idempotency-Key", message: "was already used with a different body" }],
            );
          }
          return { response: previous.response_body as IntakeAccepted, created: false };
        }
      }
      if (idempotencyKey) admission = await admit?.();
      const [leadId, projectId, runId] = [randomUUID(), randomUUID(), randomUUID()];
      const response: IntakeAccepted = {
        lead_id: leadId,
        project_id: projectId,
        run_id: runId,
        status: "queued",
        status_url: `/v1/runs/${runId}`,
        events_url: `/v1/runs/${runId}/events`,
      };
      // One statement for every row (and the stored answer): BEGIN, this, COMMIT in the transaction.
      await insertIntake(tx, {
        leadId,
        projectId,
        runId,
        workflow: DEFAULT_WORKFLOW,
        intake,
        idempotency: idempotencyKey
          ? { key: idempotencyKey, requestHash, status: 202, body: response }
          : undefined,
      });
      return { response, created: true };
    });
  } catch (err) {
    await admission?.release().catch(() => undefined);
    throw err;
  }
}
