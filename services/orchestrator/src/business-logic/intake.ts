/**
 * The intake: validation that names every bad field, and the one transaction that creates the
 * lead, the project and the run. Idempotency keys make a retried submit answer as the first did.
 */
import { createHash, randomUUID } from "node:crypto";
import { z } from "zod";
import { listSectors } from "@roboagency/agents";
import type pg from "pg";
import { withTransaction } from "../data-access/database.ts";
import { findIdempotent, insertIntake, type IntakeRecord } from "../data-access/repository.ts";
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

export function intakeSchema(ideaMaxChars: number) {
  const sectorIds = new Set(listSectors().map((s) => s.id));
  return z.strictObject(
    {
      email: z
        .string({ error: "is required" })
        .trim()
        .max(254, { error: "must be at most 254 characters" })
        .pipe(z.email({ error: "must be a valid email address" })),
      name: optionalText(200),
      company: optionalText(200),
      sector: z
        .string({ error: "is required" })
        .refine((s) => sectorIds.has(s), { error: "is not a known sector (see GET /v1/sectors)" }),
      idea: z
        .string({ error: "is required" })
        .trim()
        .min(20, { error: "must be at least 20 characters: describe the idea in a sentence or two" })
        .max(ideaMaxChars, { error: `must be at most ${ideaMaxChars} characters` }),
      goals: optionalText(2000),
      budget: optionalText(200),
      timeline: optionalText(200),
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

/**
 * Creates lead, project and run in one transaction. With an idempotency key, a replay answers
 * the stored response and writes nothing; the same key with another body is refused.
 * Returns `created: false` for a replay so the caller does not enqueue twice.
 */
export interface IntakeLimits {
  perEmailPerHour: number;
  perDay: number;
}

/**
 * Every intake starts model work, so the public endpoint is bounded: a few per address per hour
 * (a person retrying), and a daily ceiling for the whole agency (a cap on spend).
 */
async function checkLimits(tx: pg.PoolClient, email: string, limits: IntakeLimits): Promise<void> {
  const { rows } = await tx.query<{ by_email: number; today: number }>(
    `SELECT (SELECT count(*) FROM projects p JOIN leads l ON l.id = p.lead_id
             WHERE lower(l.email) = lower($1) AND p.created_at > now() - interval '1 hour')::int AS by_email,
            (SELECT count(*) FROM projects WHERE created_at > now() - interval '1 day')::int AS today`,
    [email],
  );
  const { by_email: byEmail, today } = rows[0]!;
  if (byEmail >= limits.perEmailPerHour) {
    throw new HttpError(
      429,
      "rate_limited",
      `This address sent ${byEmail} intakes in the last hour; try again later or follow the projects already started.`,
      [
        {
          field: "email",
          message: `has sent ${byEmail} intakes in the last hour (limit ${limits.perEmailPerHour})`,
        },
      ],
    );
  }
  if (today >= limits.perDay) {
    throw new HttpError(
      429,
      "capacity_reached",
      "The agency has taken all the intakes it can today; please try again tomorrow.",
    );
  }
}

export async function submitIntake(
  pool: pg.Pool,
  intake: IntakeRecord,
  idempotencyKey: string | undefined,
  limits: IntakeLimits = { perEmailPerHour: Infinity, perDay: Infinity },
): Promise<{ response: IntakeAccepted; created: boolean }> {
  const requestHash = hashBody(intake);
  return withTransaction(pool, async (tx) => {
    if (idempotencyKey) {
      // Serialises concurrent submits with one key, so exactly one of them creates the rows.
      await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`idem:${idempotencyKey}`]);
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
    await checkLimits(tx, intake.email, limits);
    const [leadId, projectId, runId] = [randomUUID(), randomUUID(), randomUUID()];
    const response: IntakeAccepted = {
      lead_id: leadId,
      project_id: projectId,
      run_id: runId,
      status: "queued",
      status_url: `/v1/runs/${runId}`,
      events_url: `/v1/runs/${runId}/events`,
    };
    // One statement for every row (and the stored answer), so the transaction is four round trips.
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
}
