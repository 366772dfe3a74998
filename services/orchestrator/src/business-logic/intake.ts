/**
 * The intake: validation by the contracts' schema (every bad field named), and the one
 * statement that creates the lead, the project and the run. Idempotency keys make a retried submit answer as the first did.
 */
import { createHash, randomUUID } from "node:crypto";
import { DEFAULT_WORKFLOW, intakeSchema, parse, type IntakeAccepted } from "@roboagency/contracts";
import { listSectors } from "@roboagency/agents/light";
import type pg from "pg";
import { withTransaction } from "../data-access/database.ts";
import { findIdempotent, insertIntake, type IntakeRecord } from "../data-access/leads-projects.ts";
import { lockForTransaction } from "../data-access/locks.ts";
import type { Limit, RateLimits } from "../data-access/rate-limits.ts";
import { HttpError } from "./errors.ts";

export { DEFAULT_WORKFLOW, WORKFLOWS } from "@roboagency/contracts";

const schemas = new Map<number, ReturnType<typeof intakeSchema>>();

/** The intake as POST /v1/intake reads it: the contracts' schema with the agents' sectors. */
export function apiIntakeSchema(ideaMaxChars: number) {
  let schema = schemas.get(ideaMaxChars);
  if (!schema) {
    schema = intakeSchema(
      listSectors().map((s) => s.id),
      ideaMaxChars,
    );
    schemas.set(ideaMaxChars, schema);
  }
  return schema;
}

export function parseIntake(body: unknown, ideaMaxChars: number): IntakeRecord {
  return parse(apiIntakeSchema(ideaMaxChars), body, "intake");
}

export type { IntakeAccepted };

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
 * Creates lead, project and run in one statement (atomic by itself: nothing is half-written).
 * With an idempotency key, a replay answers the stored response, writes nothing and counts
 * against no limit; the same key with another body is refused. Returns `created: false` for a
 * replay so the caller does not enqueue twice.
 */
export async function submitIntake(
  pool: pg.Pool,
  intake: IntakeRecord,
  idempotencyKey: string | undefined,
  admit?: () => Promise<Admission>,
): Promise<{ response: IntakeAccepted; created: boolean }> {
  let admission: Admission | undefined;
  try {
    if (!idempotencyKey) {
      // Nothing can be a replay: the limits, then the one statement on its own (autocommit), so
      // no BEGIN and COMMIT round trips and no connection held through the limits' round trips.
      admission = await admit?.();
      const { response, rows } = newIntake(intake);
      await insertIntake(pool, rows);
      return { response, created: true };
    }
    const requestHash = hashBody(intake);
    return await withTransaction(pool, async (tx) => {
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
      admission = await admit?.();
      const { response, rows } = newIntake(intake, { key: idempotencyKey, requestHash });
      // One statement for every row and the stored answer: BEGIN, this, COMMIT in the transaction.
      await insertIntake(tx, rows);
      return { response, created: true };
    });
  } catch (err) {
    await admission?.release().catch(() => undefined);
    throw err;
  }
}

/** The ids and the 202 answer of a new intake, and the rows `insertIntake` writes for it. */
function newIntake(intake: IntakeRecord, idempotency?: { key: string; requestHash: string }) {
  const [leadId, projectId, runId] = [randomUUID(), randomUUID(), randomUUID()];
  const response: IntakeAccepted = {
    lead_id: leadId,
    project_id: projectId,
    run_id: runId,
    status: "queued",
    status_url: `/v1/runs/${runId}`,
    events_url: `/v1/runs/${runId}/events`,
  };
  return {
    response,
    rows: {
      leadId,
      projectId,
      runId,
      workflow: DEFAULT_WORKFLOW,
      intake,
      idempotency: idempotency ? { ...idempotency, status: 202, body: response } : undefined,
    },
  };
}
