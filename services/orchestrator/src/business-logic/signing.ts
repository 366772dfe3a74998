/**
 * Webhook signatures, one scheme both ways (our inbound webhooks and the lead_ready call to n8n):
 * `X-Agency-Timestamp: <unix seconds>` and `X-Agency-Signature: sha256=<hex HMAC of "<timestamp>.<raw body>">`.
 * Where the URL names what the body is (the agent webhook's event), the signature covers that
 * too: the HMAC is of "<timestamp>.<scope>.<raw body>", so a signed body cannot be replayed
 * under another name. A timestamp outside the tolerance is refused, and so is a signature seen
 * before (a replay).
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "x-agency-signature";
export const TIMESTAMP_HEADER = "x-agency-timestamp";
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** An HMAC key: a configured secret, or a key derived per purpose (business-logic/keys.ts). */
export type Secret = string | Buffer;
/** The keys a signature is accepted under: one, or the current and the previous during a rotation. */
export type Secrets = Secret | readonly Secret[];

export const secretList = (secrets: Secrets): readonly Secret[] =>
  typeof secrets === "string" || Buffer.isBuffer(secrets) ? [secrets] : secrets;

/** True when `given` equals what `expected` computes under any of the keys (constant time each). */
export function matchesAny(secrets: Secrets, expected: (secret: Secret) => string, given: string): boolean {
  const g = Buffer.from(given);
  let ok = false;
  for (const secret of secretList(secrets)) {
    const e = Buffer.from(expected(secret));
    if (e.length === g.length && timingSafeEqual(e, g)) ok = true;
  }
  return ok;
}

/** `scope` (the agent webhook's event name) is signed between the timestamp and the body. */
export function sign(secret: Secret, timestamp: number, body: string | Buffer, scope?: string): string {
  const mac = createHmac("sha256", secret)
    .update(scope === undefined ? `${timestamp}.` : `${timestamp}.${scope}.`)
    .update(body)
    .digest("hex");
  return `sha256=${mac}`;
}

export function signedHeaders(
  secret: Secret,
  body: string,
  now = Date.now(),
  scope?: string,
): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  return {
    "content-type": "application/json",
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: sign(secret, timestamp, body, scope),
  };
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export function verifySignature(
  secrets: Secrets,
  headers: { timestamp?: string; signature?: string; scope?: string },
  body: Buffer,
  now = Date.now(),
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): SignatureCheck {
  if (!headers.timestamp || !headers.signature) {
    return { ok: false, reason: `missing ${TIMESTAMP_HEADER} or ${SIGNATURE_HEADER} header` };
  }
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp)) return { ok: false, reason: `${TIMESTAMP_HEADER} must be unix seconds` };
  if (Math.abs(now / 1000 - timestamp) > toleranceSeconds) {
    return { ok: false, reason: "timestamp outside the allowed window" };
  }
  if (!matchesAny(secrets, (secret) => sign(secret, timestamp, body, headers.scope), headers.signature)) {
    return { ok: false, reason: "signature does not match" };
  }
  return { ok: true };
}
