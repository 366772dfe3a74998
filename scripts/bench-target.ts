/**
 * The process under load for `npm run bench`: the API (and, with --worker, the worker) of a
 * real agency, plus a bare Express route in the same process as the baseline.
 * Prints one JSON line with its URLs, then serves until killed.
 */
import express from "express";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { buildDeps, loadConfig, startApi, startWorker } from "../services/orchestrator/src/index.ts";
import { createLogger } from "../services/orchestrator/src/observability/logger.ts";

const withWorker = process.argv.includes("--worker");
const config = loadConfig();
const agency = await buildDeps(config, "agency", createLogger("error", "bench"));
const api = await startApi(agency);
const worker = withWorker ? await startWorker(agency) : undefined;

const bare = express();
bare.get("/bare", (_req, res) => {
  res.json({ ok: true });
});
const bareServer = bare.listen(0, "127.0.0.1");
await once(bareServer, "listening");

console.log(
  JSON.stringify({
    api: api.url,
    bare: `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}/bare`,
  }),
);
process.on("SIGTERM", () => {
  void (async () => {
    bareServer.close();
    await api.stop();
    await worker?.stop();
    await agency.close();
    process.exit(0);
  })();
});
