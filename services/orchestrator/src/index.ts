export { loadConfig, ConfigError, type Config } from "./config.ts";
export {
  buildDeps,
  startApi,
  startWorker,
  RUN_ATTEMPTS,
  type Agency,
  type RunningServer,
} from "./entry-points/agency.ts";
export { runUntilSignal } from "./entry-points/lifecycle.ts";
export { sign, signedHeaders, verifySignature } from "./business-logic/signing.ts";
// Internal signers of agent webhooks derive their key as the API does.
export { deriveKey, keysOf, type KeyPurpose } from "./business-logic/keys.ts";
