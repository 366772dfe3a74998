/** Production entry point of the API container. */
import { loadConfig } from "../config.ts";
import { buildDeps, startApi } from "../entry-points/agency.ts";
import { runUntilSignal } from "../entry-points/lifecycle.ts";
import { initSentry } from "../observability/sentry.ts";

const config = loadConfig();
const sentry = await initSentry({
  dsn: process.env.SENTRY_DSN,
  service: "orchestrator",
  release: config.version,
});
const agency = await buildDeps(config, "orchestrator");
// Behind Caddy's two replicas: the drain's defaults keep idle connections until Caddy has let go.
const api = await startApi(agency, config.apiPort, config.apiHost, {});
agency.logger.info({ url: api.url, adapters: agency.adapters, sentry: Boolean(sentry) }, "API listening");
runUntilSignal(agency.logger, async () => {
  await api.stop();
  await agency.close();
  await sentry?.close();
});
