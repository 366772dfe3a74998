import type { Logger } from "../observability/logger.ts";

/**
 * Graceful shutdown on SIGTERM/SIGINT: the stop function finishes in-flight work; a second
 * signal, or 30 s without finishing, ends the process at once.
 */
export function runUntilSignal(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "shutting down; finishing in-flight work");
    const force = setTimeout(() => {
      logger.error("shutdown took over 30 s; exiting");
      process.exit(1);
    }, 30_000);
    force.unref();
    stop()
      .then(() => {
        logger.info("stopped");
        process.exit(0);
      })
      .catch((err) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      });
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
