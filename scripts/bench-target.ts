/**
 * A process under load for `npm run bench`. Prints one JSON line with its URLs, then serves until
 * SIGTERM.
 *
 *   bench-target.ts [--worker]   the agency's API (with --worker also the worker, as `npm start`
 *                                runs it), plus the two baselines in the same process: a bare
 *                                Express route and an Express route doing one indexed read of a
 *                                run's row
 *   bench-target.ts --portal     the portal alone, talking to API_URL with AGENCY_PORTAL_TOKEN
 */
import express from "express";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import pg from "pg";

// Each mode loads only its own modules, so a process's resident memory is its part's alone.
if (process.argv.includes("--portal")) {
  const { startPortal } = await import("../services/frontend/start.ts");
  const portal = await startPortal({
    port: 0,
    host: "127.0.0.1",
    apiUrl: process.env.API_URL!,
    adminToken: process.env.AGENCY_ADMIN_TOKEN!,
    portalToken: process.env.AGENCY_PORTAL_TOKEN!,
    secretKey: process.env.SECRET_KEY!,
  });
  console.log(JSON.stringify({ portal: portal.url }));
  process.once("SIGTERM", () => void portal.stop().finally(() => process.exit(0)));
} else {
  const { buildDeps, loadConfig, startApi, startWorker } =
    await import("../services/orchestrator/src/index.ts");
  const { createLogger } = await import("../services/orchestrator/src/observability/logger.ts");
  const withWorker = process.argv.includes("--worker");
  const agency = await buildDeps(
    loadConfig(),
    "agency",
    createLogger(process.env.LOG_LEVEL || "error", "bench"),
  );
  const api = await startApi(agency);
  const worker = withWorker ? await startWorker(agency) : undefined;

  // The baselines: what Express alone answers, and what it answers reading one row by its key.
  const baselinePool = new pg.Pool({ connectionString: agency.databaseUrl, max: 10 });
  const baseline = express();
  baseline.get("/bare", (_req, res) => {
    res.json({ ok: true });
  });
  baseline.get("/one-query/:runId", async (req, res) => {
    const { rows } = await baselinePool.query(
      `SELECT id, project_id, workflow, status, error, attempts, created_at, started_at, finished_at,
              lead_ready_at FROM workflow_runs WHERE id = $1`,
      [req.params.runId],
    );
    res.json(rows[0] ?? null);
  });
  const baselineServer = baseline.listen(0, "127.0.0.1");
  await once(baselineServer, "listening");
  const base = `http://127.0.0.1:${(baselineServer.address() as AddressInfo).port}`;

  console.log(JSON.stringify({ api: api.url, bare: `${base}/bare`, oneQuery: `${base}/one-query` }));
  process.once("SIGTERM", () => {
    void (async () => {
      baselineServer.close();
      await api.stop();
      await worker?.stop();
      await baselinePool.end();
      await agency.close();
      process.exit(0);
    })();
  });
}
