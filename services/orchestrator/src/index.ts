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
export { createLogger, type Logger } from "./observability/logger.ts";
// What the worker serves on its metrics port; the monitoring tests serve it the same way.
export { healthHandler } from "./entry-points/http/app.ts";
// The portal's tests hold the portal to these: a campaign email's unsubscribe link, the sign-in limit.
export { unsubscribeToken } from "./business-logic/subscriptions.ts";
export { ATTEMPTS_PER_NAME_AND_ADDRESS } from "./business-logic/operator-sign-in.ts";
export { sign, signedHeaders, verifySignature } from "./business-logic/signing.ts";
// Internal signers of agent webhooks derive their key as the API does.
export { deriveKey, keysOf, type KeyPurpose } from "./business-logic/keys.ts";
