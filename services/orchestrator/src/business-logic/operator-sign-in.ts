/**
 * The ops console's sign-in, as the portal's server asks for it: the portal checks the password
 * (scrypt, services/frontend), but the attempt is counted here first, and the session it opens is
 * a row here, so every portal process sees the same limits and a signed-out cookie stays dead.
 */
import { z } from "zod";
import {
  findLiveOperatorSession,
  insertOperatorSession,
  postgresAttemptLimiter,
  revokeOperatorSession,
  type AttemptLimiter,
} from "../data-access/operator-sign-in.ts";
import type { Deps } from "./deps.ts";
import { HttpError } from "./errors.ts";
import { fieldErrors } from "./intake.ts";

/** Attempts one operator name may make from one address per window. */
export const ATTEMPTS_PER_NAME_AND_ADDRESS = 5;
/** Attempts one address may make per window, over all names. */
export const ATTEMPTS_PER_ADDRESS = 20;
export const ATTEMPT_WINDOW_SECONDS = 15 * 60;
/** The longest session the API opens, the portal's operator cookie lifetime. */
export const MAX_SESSION_SECONDS = 12 * 3600;

const name = z
  .string({ error: "is required" })
  .trim()
  .min(1, { error: "is required" })
  .max(64, { error: "must be at most 64 characters" })
  .refine((n) => ![...n].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), {
    error: "must not contain control characters",
  });
// The client's address as the portal saw it behind the proxy (adapter-node's ADDRESS_HEADER).
const address = z
  .string({ error: "is required" })
  .regex(/^[0-9A-Za-z:.%_-]{2,64}$/, { error: "must be an IPv4 or IPv6 address" });

const strict = {
  error: (i: { code: string }) => (i.code === "unrecognized_keys" ? "is not a field" : undefined),
};
export const attemptBody = z.strictObject({ name, address }, strict);
export const sessionBody = z.strictObject(
  {
    operator: name,
    address,
    ttl_seconds: z
      .number({ error: "must be a number of seconds" })
      .int({ error: "must be a whole number" })
      .min(60, { error: "must be at least 60" })
      .max(MAX_SESSION_SECONDS, { error: `must be at most ${MAX_SESSION_SECONDS}` })
      .optional(),
  },
  strict,
);

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const fields = fieldErrors(parsed.error);
  throw new HttpError(
    422,
    "invalid_request",
    `Invalid request: ${fields.map((f) => `${f.field} ${f.message}`).join("; ")}.`,
    fields,
  );
}

export type AttemptVerdict = { allowed: true } | { allowed: false; retryAfterMs: number };

export interface OperatorSignIn {
  /** Counts the attempt before the password is checked; refused once a key is over its limit. */
  attempt(body: unknown): Promise<AttemptVerdict>;
  /** Opens a session after the portal checked the password, forgetting that pair's attempts. */
  openSession(body: unknown): Promise<{ id: string; operator: string; expires_at: string }>;
  session(id: string): Promise<{ id: string; operator: string; expires_at: string } | null>;
  revoke(id: string): Promise<void>;
}

const pairKey = (n: string, a: string) => `${n.toLowerCase()}|${a}`;

export function operatorSignIn(deps: Pick<Deps, "pool">): OperatorSignIn {
  const pairs: AttemptLimiter = postgresAttemptLimiter(deps.pool, {
    prefix: "pair",
    points: ATTEMPTS_PER_NAME_AND_ADDRESS,
    windowSeconds: ATTEMPT_WINDOW_SECONDS,
  });
  const addresses: AttemptLimiter = postgresAttemptLimiter(deps.pool, {
    prefix: "address",
    points: ATTEMPTS_PER_ADDRESS,
    windowSeconds: ATTEMPT_WINDOW_SECONDS,
  });
  const shape = (row: { id: string; operator: string; expires_at: Date }) => ({
    id: row.id,
    operator: row.operator,
    expires_at: row.expires_at.toISOString(),
  });
  return {
    async attempt(body) {
      const { name: n, address: a } = parse(attemptBody, body);
      // Both counters move on every attempt (each upsert is atomic), so parallel guesses cannot
      // slip past a check that has not yet seen the others.
      const waits = await Promise.all([pairs.consume(pairKey(n, a)), addresses.consume(a)]);
      const wait = Math.max(...waits);
      return wait > 0 ? { allowed: false, retryAfterMs: wait } : { allowed: true };
    },
    async openSession(body) {
      const { operator, address: a, ttl_seconds } = parse(sessionBody, body);
      await pairs.reset(pairKey(operator, a));
      return shape(await insertOperatorSession(deps.pool, operator, ttl_seconds ?? MAX_SESSION_SECONDS));
    },
    async session(id) {
      const row = await findLiveOperatorSession(deps.pool, id);
      return row ? shape(row) : null;
    },
    async revoke(id) {
      await revokeOperatorSession(deps.pool, id);
    },
  };
}
