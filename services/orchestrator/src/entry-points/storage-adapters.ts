/**
 * Storage adapters chosen from the configuration, shared by the composition root and run threads.
 * Each adapter's module (and its SDK: the AWS SDK, supabase-js) is imported only when the
 * configuration picks it, so a process does not hold the SDKs of stores it does not use.
 */
import path from "node:path";
import type { Config } from "../config.ts";
import type { Deps } from "../business-logic/deps.ts";
import { keysOf } from "../business-logic/keys.ts";
import { createLocalAssetStore, createSupabaseAssetStore } from "../data-access/assets.ts";
import { createOutboxMailer, createResendMailer } from "../data-access/mailer.ts";

/** The asset store and the mailer the configuration asks for; a run thread builds the same. */
export async function storageAdapters(
  config: Config,
  pool: Deps["pool"],
  env: Record<string, string | undefined> = process.env,
): Promise<Pick<Deps, "assets" | "mailer">> {
  const { supabase, s3 } = config;
  let assets: Deps["assets"];
  if (supabase) {
    const { createSupabaseClient } = await import("../data-access/supabase.ts");
    assets = createSupabaseAssetStore({
      client: createSupabaseClient(supabase),
      bucket: supabase.bucket,
      url: supabase.url,
    });
  } else if (s3) {
    assets = (await import("../data-access/assets-s3.ts")).createS3AssetStore(s3);
  } else {
    assets = createLocalAssetStore({
      dir: path.join(config.dataDir, "assets"),
      baseUrl: config.publicApiUrl,
      signingSecret: keysOf(config).signing("asset-url"),
    });
  }
  return {
    assets,
    mailer: config.resendApiKey
      ? createResendMailer({ apiKey: config.resendApiKey, baseUrl: env.RESEND_BASE_URL })
      : createOutboxMailer(pool),
  };
}
