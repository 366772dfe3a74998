/** Production entry point of the API container. */
import { loadConfig } from "../config.ts";
import { buildDeps, startApi } from "../entry-points/agency.ts";
import { runUntilSignal } from "../entry-points/lifecycle.ts";

const config = loadConfig();
const agency = await buildDeps(config, "orchestrator");
const api = await startApi(agency);
agency.logger.info({ url: api.url, adapters: agency.adapters }, "API listening");
runUntilSignal(agency.logger, async () => {
  await api.stop();
  await agency.close();
});
