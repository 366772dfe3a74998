/** Storage adapters chosen from the configuration, shared by the composition root and run threads. */
import path from "node:path";
import type { Config } from "../config.ts";
import type { Deps } from "../business-logic/deps.ts";
import { keysOf } from "../business-logic/keys.ts";
import {
  createLocalAssetStore,
  createS3AssetStore,
  createSupabaseAssetStore,
} from "../data-access/assets.ts";
import { createOutboxMailer, createResendMailer } from "../data-access/mailer.ts";
import { createSupabaseClient } from "../data-access/supabase.ts";

/** The asset store and the mailer the configuration asks for; a run thread builds the same. */
export function storageAdapters(
  config: Config,
  pool: Deps["pool"],
  env: Record<string, string | undefined> = process.env,
): Pick<Deps, "assets" | "mailer"> {
  return {
    assets: config.supabase
      ? createSupabaseAssetStore({
          client: createSupabaseClient(config.supabase),
          bucket: config.supabase.bucket,
          url: config.supabase.url,
        })
      : config.s3
        ? createS3AssetStore(config.s3)
        : createLocalAssetStore({
            dir: path.join(config.dataDir, "assets"),
            baseUrl: config.publicApiUrl,
            signingSecret: keysOf(config).signing("asset-url"),
          }),
    mailer: config.resendApiKey
      ? createResendMailer({ apiKey: config.resendApiKey, baseUrl: env.RESEND_BASE_URL })
      : createOutboxMailer(pool),
  };
}
