/**
 * The ops console's sign-in, as the portal's server asks for it: the portal checks the password
 * (scrypt, services/frontend), but the attempt is counted here first, and the session it opens is
 * a row here, so every portal process sees the same limits and a signed-out cookie stays dead.
 */
import {
  ATTEMPTS_PER_ADDRESS,
  ATTEMPTS_PER_NAME_AND_ADDRESS,
  ATTEMPT_WINDOW_SECONDS,
  MAX_SESSION_SECONDS,
  operatorAttemptRequest,
  operatorSessionRequest,
  parse,
  type OperatorSession,
} from "@roboagency/contracts";
import {
  findLiveOperatorSession,
  insertOperatorSession,
  postgresAttemptLimiter,
  revokeOperatorSession,
  type AttemptLimiter,
} from "../data-access/operator-sign-in.ts";
import type { Deps } from "./deps.ts";

export {
  ATTEMPTS_PER_ADDRESS,
  ATTEMPTS_PER_NAME_AND_ADDRESS,
  ATTEMPT_WINDOW_SECONDS,
  MAX_SESSION_SECONDS,
} from "@roboagency/contracts";

export type AttemptVerdict = { allowed: true } | { allowed: false; retryAfterMs: number };

export interface OperatorSignIn {
  /** Counts the attempt before the password is checked; refused once a key is over its limit. */
  attempt(body: unknown): Promise<AttemptVerdict>;
  /** Opens a session after the portal checked the password, forgetting that pair's attempts. */
  openSession(body: unknown): Promise<OperatorSession>;
  session(id: string): Promise<OperatorSession | null>;
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
      const { name: n, address: a } = parse(operatorAttemptRequest, body ?? {});
      // Both counters move on every attempt (each upsert is atomic), so parallel guesses cannot
      // slip past a check that has not yet seen the others.
      const waits = await Promise.all([pairs.consume(pairKey(n, a)), addresses.consume(a)]);
      const wait = Math.max(...waits);
      return wait > 0 ? { allowed: false, retryAfterMs: wait } : { allowed: true };
    },
    async openSession(body) {
      const { operator, address: a, ttl_seconds } = parse(operatorSessionRequest, body ?? {});
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
