/**
 * Operators of the ops console: names and scrypt password hashes from AGENCY_OPERATORS
 * ("alice:scrypt$...,bob:scrypt$..."), made with `npm run ops:hash-password -w services/frontend`.
 * Locally, with none configured, one operator `admin` signs in with the operator token.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

// 2^15 × 8 × 128 bytes = 32 MiB and ~0.1 s per guess: slow for an attacker, fine for a sign-in.
const PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }) {
  const options: ScryptOptions = { ...params, maxmem: 128 * params.N * params.r * 2 };
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(password.normalize("NFKC"), salt, KEY_LENGTH, options, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** "scrypt$N$r$p$salt$key" with base64url salt and key. */
export async function hashPassword(password: string): Promise<string> {
  if (password.length < 12) throw new Error("The password must be at least 12 characters long.");
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return ["scrypt", PARAMS.N, PARAMS.r, PARAMS.p, salt.toString("base64url"), key.toString("base64url")].join(
    "$",
  );
}

const HASH = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([\w-]+)\$([\w-]+)$/;

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = HASH.exec(stored);
  if (!m) return false;
  const [, N, r, p, salt, key] = m as unknown as [string, string, string, string, string, string];
  const expected = Buffer.from(key, "base64url");
  const actual = await derive(password, Buffer.from(salt, "base64url"), {
    N: Number(N),
    r: Number(r),
    p: Number(p),
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Parses AGENCY_OPERATORS; a malformed entry is an error naming it, never silently skipped. */
export function parseOperators(raw: string): Map<string, string> {
  const operators = new Map<string, string>();
  for (const entry of raw
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const colon = entry.indexOf(":");
    const name = entry.slice(0, colon);
    const hash = entry.slice(colon + 1);
    if (colon < 1 || !/^[\w.-]{1,64}$/.test(name)) {
      throw new Error(
        `AGENCY_OPERATORS: "${entry.slice(0, 20)}…" must be name:hash (letters, digits, _ . -), comma-separated.`,
      );
    }
    if (!HASH.test(hash)) {
      throw new Error(
        `AGENCY_OPERATORS: the hash of "${name}" is not an scrypt hash; make one with npm run ops:hash-password -w services/frontend.`,
      );
    }
    operators.set(name, hash);
  }
  return operators;
}

export interface OperatorDirectory {
  /** True when the name and password match an operator. Takes as long for unknown names. */
  verify(name: string, password: string): Promise<boolean>;
  readonly names: readonly string[];
}

export function operatorDirectory(options: {
  operators?: string;
  /** Local mode: `admin` signs in with this token when no operators are configured. */
  localAdminToken?: string;
}): OperatorDirectory {
  const configured = options.operators ? parseOperators(options.operators) : new Map<string, string>();
  let localAdmin: Promise<string> | undefined;
  if (configured.size === 0 && options.localAdminToken) {
    localAdmin = hashPassword(options.localAdminToken);
  }
  // Unknown names still pay for one scrypt, so response time does not reveal who exists.
  const decoy = hashPassword("decoy-password-never-matches");
  return {
    names: localAdmin ? ["admin"] : [...configured.keys()],
    async verify(name, password) {
      if (localAdmin && name === "admin") return verifyPassword(password, await localAdmin);
      const hash = configured.get(name);
      const ok = await verifyPassword(password, hash ?? (await decoy));
      return hash !== undefined && ok;
    },
  };
}
