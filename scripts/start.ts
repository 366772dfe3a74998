/**
 * `npm start`: the whole agency on this machine with every embedded default — API, worker and
 * portal — with all state in AGENCY_DATA_DIR (default .agency/).
 */
// First, so every module below sees the settings in .env.local (ES modules run in import order).
import "./env-local.ts";
import path from "node:path";
import { startPortal } from "../services/frontend/start.ts";
import {
  ConfigError,
  buildDeps,
  loadConfig,
  runUntilSignal,
  startApi,
  startWorker,
} from "../services/orchestrator/src/index.ts";

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const agency = await buildDeps(config, "agency");
  const api = await startApi(agency);
  const worker = await startWorker(agency);
  const portalPort = Number(process.env.PORTAL_PORT || 3000);
  console.log(`Starting the portal on port ${portalPort} (the first start builds it, about a minute)…`);
  const portal = await startPortal({
    port: portalPort,
    host: config.apiHost,
    apiUrl: api.url,
    adminToken: config.adminToken,
    portalToken: config.portalToken,
    secretKey: config.secretKey,
    secretKeyPrevious: config.secretKeyPrevious,
    // Locally the portal answers on localhost and 127.0.0.1 alike; a fixed origin would refuse one.
    origin: config.mode === "production" ? config.publicPortalUrl : undefined,
  });

  const tokenFile = path.join(config.dataDir, "admin-token");
  const lines = [
    "",
    "RoboAgency is running.",
    `  Portal        ${portal.url}   (client portal: ${portal.url}/portal, ops console: ${portal.url}/ops)`,
    `  API           ${api.url}   (health: ${api.url}/health, metrics: ${api.url}/metrics)`,
    `  Data folder   ${config.dataDir}`,
    ...Object.entries(agency.adapters).map(([part, what]) => `  ${part.padEnd(13)} ${what}`),
    // From the config, not process.env: the portal puts the token into process.env for itself.
    {
      generated: `  Operator token (new, kept in ${tokenFile}): ${config.adminToken}`,
      file: `  Operator token (made by an earlier start, kept in ${tokenFile}): cat ${tokenFile}`,
      env: "  Operator token: the AGENCY_ADMIN_TOKEN you set",
    }[config.adminTokenSource],
    "",
    "Submit an intake:",
    `  curl -s -X POST ${api.url}/v1/intake -H 'content-type: application/json' \\`,
    `    -d '{"email":"ada@example.com","sector":"saas","idea":"A scheduling assistant for small clinics that fills cancelled slots from a waitlist"}'`,
    `Then follow it: curl -N ${api.url}/v1/runs/<run_id>/events`,
    "",
  ];
  console.log(lines.join("\n"));

  runUntilSignal(agency.logger, async () => {
    await portal.stop();
    await api.stop();
    await worker.stop();
    await agency.close();
  });
}

await main();
