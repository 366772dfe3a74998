/**
 * Signed, expiring tokens: the portal's session cookies and the capability links to a run's files.
 * Sessions are not stored anywhere: the cookie carries who is signed in and until when, sealed
 * with an HMAC under a key derived from SECRET_KEY. Each purpose gets its own derived key, so a
 * file link can never pass as a session. To rotate SECRET_KEY without signing everyone out, set
 * the old one as SECRET_KEY_PREVIOUS: new tokens use the new key, and tokens of either key open
 * until SECRET_KEY_PREVIOUS is removed (after the longest session, 7 days).
 */
import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";

export type Purpose = "client-session" | "operator-session" | "run-files";

export interface Signer {
  seal(purpose: Purpose, subject: string, ttlSeconds: number, now?: number): string;
  /** The subject of a valid, unexpired token of this purpose, else null. */
  open(
    purpose: Purpose,
    token: string | undefined,
    now?: number,
  ): { subject: string; expires: number } | null;
}

export function createSigner(secretKey: string, previousSecretKey?: string): Signer {
  if (!secretKey || secretKey.length < 16) throw new Error("SECRET_KEY must be at least 16 characters long.");
  if (previousSecretKey !== undefined && previousSecretKey.length < 16)
    throw new Error("SECRET_KEY_PREVIOUS must be at least 16 characters long.");
  const keys = new Map<string, Buffer>();
  const keyFor = (secret: string, purpose: Purpose) => {
    const id = `${secret === secretKey ? "current" : "previous"}:${purpose}`;
    let key = keys.get(id);
    if (!key) {
      key = Buffer.from(hkdfSync("sha256", secret, "roboagency-portal", purpose, 32));
      keys.set(id, key);
    }
    return key;
  };
  const secrets = previousSecretKey ? [secretKey, previousSecretKey] : [secretKey];
  const mac = (secret: string, purpose: Purpose, payload: string) =>
    createHmac("sha256", keyFor(secret, purpose)).update(payload).digest("base64url");

  return {
    seal(purpose, subject, ttlSeconds, now = Date.now()) {
      const expires = Math.floor(now / 1000) + ttlSeconds;
      const payload = `${Buffer.from(subject).toString("base64url")}.${expires}`;
      return `${payload}.${mac(secretKey, purpose, payload)}`;
    },
    open(purpose, token, now = Date.now()) {
      if (!token) return null;
      const parts = token.split(".");
      if (parts.length !== 3) return null;
      const [subject, expiresRaw, sig] = parts as [string, string, string];
      const given = Buffer.from(sig);
      let valid = false;
      for (const secret of secrets) {
        const expected = Buffer.from(mac(secret, purpose, `${subject}.${expiresRaw}`));
        if (given.length === expected.length && timingSafeEqual(given, expected)) valid = true;
      }
      if (!valid) return null;
      const expires = Number(expiresRaw);
      if (!Number.isInteger(expires) || expires * 1000 <= now) return null;
      return { subject: Buffer.from(subject, "base64url").toString(), expires };
    },
  };
}
