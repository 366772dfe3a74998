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

export function sign(secret: string, timestamp: number, body: string | Buffer, scope?: string): string {
  const mac = createHmac("sha256", secret)
    .update(scope === undefined ? `${timestamp}.` : `${timestamp}.${scope}.`)
    .update(body)
    .digest("hex");
  return `sha256=${mac}`;
}

export function signedHeaders(
  secret: string,
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
  secret: string,
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
  const expected = Buffer.from(sign(secret, timestamp, body, headers.scope));
  const given = Buffer.from(headers.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: "signature does not match" };
  }
  return { ok: true };
}
