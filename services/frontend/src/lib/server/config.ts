/**
 * The portal's server configuration, from the environment (server-only: the operator token and
 * SECRET_KEY must never reach a browser). `startPortal` sets these before the app loads; they are
 * read on first use, since the build imports this module without them.
 */
import { portalToken } from "@roboagency/contracts/portal-token";
import { env } from "$env/dynamic/private";
import { createApi, type Api } from "./api.ts";
import { operatorDirectory, type OperatorDirectory } from "./operators.ts";
import { createSigner, type Signer } from "./signing.ts";

export interface Portal {
  /** The API with the portal's token: visitors' and clients' requests. Reaches no operator route. */
  api: Api;
  /** The API with the operator token: the ops console only, after an operator signed in. */
  ops: Api;
  signer: Signer;
  operators: OperatorDirectory;
  /** Local mode: the single `admin` operator signs in with the operator token. */
  localAdmin: boolean;
}

function required(name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} must be set for the portal (see services/frontend/README.md).`);
  return value;
}

let portal: Portal | undefined;

export function server(): Portal {
  if (portal) return portal;
  const production = env.NODE_ENV === "production";
  const adminToken = required("AGENCY_ADMIN_TOKEN");
  const operators = operatorDirectory({
    operators: env.AGENCY_OPERATORS,
    localAdminToken: production ? undefined : adminToken,
  });
  const baseUrl = env.AGENCY_API_URL || "http://127.0.0.1:5001";
  const secretKey = required("SECRET_KEY");
  portal = {
    // The token the orchestrator derives from the same SECRET_KEY, unless AGENCY_PORTAL_TOKEN names one.
    api: createApi({ baseUrl, token: portalToken(env.AGENCY_PORTAL_TOKEN, secretKey) }),
    ops: createApi({ baseUrl, token: adminToken }),
    signer: createSigner(secretKey, env.SECRET_KEY_PREVIOUS || undefined),
    operators,
    localAdmin: !production && !env.AGENCY_OPERATORS,
  };
  return portal;
}
