/**
 * Unsubscribing: the signed token every campaign email and newsletter links to, and marking the
 * person behind it, so no later email reaches the address.
 */
import { createHmac } from "node:crypto";
import type pg from "pg";
import { legacyUnsubscribeOf, leadEmail, unsubscribeAddress } from "../data-access/campaigns.ts";
import { HttpError, notFound } from "./errors.ts";
import { matchesAny, type Secret, type Secrets } from "./signing.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const tokenMac = (secret: Secret, leadId: string) =>
  createHmac("sha256", secret).update(`unsubscribe:${leadId.toLowerCase()}`).digest("base64url").slice(0, 32);

/**
 * `<lead id>.<HMAC>`: lets one lead unsubscribe, and nobody else; carries no address. Signed with
 * the "unsubscribe" key (business-logic/keys.ts).
 */
export function unsubscribeToken(secret: Secret, leadId: string): string {
  return `${leadId.toLowerCase()}.${tokenMac(secret, leadId)}`;
}

/** The lead id of a token made under any of `secrets` (the current key, then the previous). */
export function verifyUnsubscribeToken(secrets: Secrets, token: string): string | null {
  const m = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{32})$/.exec(token);
  if (!m || !UUID.test(m[1]!)) return null;
  return matchesAny(secrets, (secret) => tokenMac(secret, m[1]!), m[2]!) ? m[1]! : null;
}

/**
 * Unsubscribes the person behind a signed token (every campaign email and newsletter links to
 * `/unsubscribe?token=`). A bare project id is public enough (a run's status shows it), so it is
 * accepted only from the links that carried it before tokens: a project whose emails hold
 * `/unsubscribe?project=<id>`. Every lead row with that address is marked, so no later email
 * reaches it. The answer never contains the address.
 */
export async function unsubscribe(
  pool: pg.Pool,
  secrets: Secrets,
  input: { token?: unknown; project_id?: unknown },
): Promise<{ unsubscribed: true }> {
  let email: string | undefined;
  if (input.token !== undefined) {
    const leadId = typeof input.token === "string" ? verifyUnsubscribeToken(secrets, input.token) : null;
    if (!leadId) {
      throw new HttpError(400, "invalid_token", "This unsubscribe link is not valid.", [
        { field: "token", message: "is not a valid unsubscribe token" },
      ]);
    }
    email = await leadEmail(pool, leadId);
  } else if (input.project_id !== undefined) {
    if (typeof input.project_id !== "string" || !UUID.test(input.project_id)) {
      throw new HttpError(
        422,
        "invalid_request",
        "project_id must be the project's id from the email link.",
        [{ field: "project_id", message: "must be a UUID" }],
      );
    }
    const subscriber = await legacyUnsubscribeOf(pool, input.project_id);
    if (!subscriber) throw notFound("The subscription");
    if (!subscriber.legacy_link) {
      throw new HttpError(
        422,
        "invalid_request",
        "Unsubscribe with the token from the email's link; a project id alone is not accepted.",
        [{ field: "token", message: "is required (the link in the email carries it)" }],
      );
    }
    email = subscriber.email;
  } else {
    throw new HttpError(
      422,
      "invalid_request",
      "Send the token or the project_id from the unsubscribe link.",
      [{ field: "token", message: "or project_id is required" }],
    );
  }
  if (!email) throw notFound("The subscription");
  await unsubscribeAddress(pool, email);
  return { unsubscribed: true };
}
