/**
 * Production entry point of the worker container: runs the pipeline, sends the warm-up emails,
 * and serves its own /health and /metrics for Prometheus.
 */
import express from "express";
import { once } from "node:events";
import { loadConfig } from "../config.ts";
import { buildDeps, startWorker } from "../entry-points/agency.ts";
import { healthHandler } from "../entry-points/http/app.ts";
import { runUntilSignal } from "../entry-points/lifecycle.ts";
import { initSentry } from "../observability/sentry.ts";

const config = loadConfig();
const sentry = await initSentry({ dsn: process.env.SENTRY_DSN, service: "worker", release: config.version });
const agency = await buildDeps(config, "worker");

// Health first: while the worker waits for Redis, /health says what it waits for.
const app = express();
app.disable("x-powered-by");
app.get("/health", healthHandler(agency));
app.get("/metrics", async (_req, res) => {
  res.set("content-type", agency.metrics.registry.contentType).send(await agency.metrics.registry.metrics());
});
const server = app.listen(config.workerMetricsPort, config.apiHost);
await once(server, "listening");
const worker = await startWorker(agency);
agency.logger.info(
  { metricsPort: config.workerMetricsPort, adapters: agency.adapters, sentry: Boolean(sentry) },
  "worker started",
);

runUntilSignal(agency.logger, async () => {
  server.close();
  await worker.stop();
  await agency.close();
  await sentry?.close();
});
