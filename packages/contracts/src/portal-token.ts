/**
 * The portal's API token, derived from the SECRET_KEY the orchestrator and the portal share
 * (HKDF-SHA256), unless AGENCY_PORTAL_TOKEN names one. Node only: a subpath of its own so the
 * portal's browser bundle never pulls in node:crypto.
 */
import { hkdfSync } from "node:crypto";

export const PORTAL_TOKEN_INFO = "roboagency portal api token v1";

export function portalTokenFrom(secretKey: string): string {
  return Buffer.from(hkdfSync("sha256", secretKey, "", PORTAL_TOKEN_INFO, 32)).toString("base64url");
}

/** The token the portal sends and the API accepts: AGENCY_PORTAL_TOKEN when given, else the derived one. */
export function portalToken(configured: string | undefined, secretKey: string): string {
  return configured || portalTokenFrom(secretKey);
}
