/**
 * The portal's server configuration, from the environment (server-only: the operator token and
 * SECRET_KEY must never reach a browser). `startPortal` sets these before the app loads; they are
 * read on first use, since the build imports this module without them.
 */
import { env } from "$env/dynamic/private";
import { createApi, type Api } from "./api.ts";
import { operatorDirectory, type OperatorDirectory } from "./operators.ts";
import { createSigner, type Signer } from "./signing.ts";

export interface Portal {
  api: Api;
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
  portal = {
    api: createApi({ baseUrl: env.AGENCY_API_URL || "http://127.0.0.1:5001", adminToken }),
    signer: createSigner(required("SECRET_KEY"), env.SECRET_KEY_PREVIOUS || undefined),
    operators,
    localAdmin: !production && !env.AGENCY_OPERATORS,
  };
  return portal;
}
