/**
 * `npm test`: the whole suite against real services. Installs the Debian tools the tests drive
 * when they are missing and the test-only n8n, then runs vitest (extra arguments pass through,
 * e.g. a folder).
 * Postgres and Redis come from DATABASE_URL / REDIS_URL when set, otherwise the suite starts
 * them itself (@roboagency/testing/global-setup).
 */
import { spawnSync } from "node:child_process";
import { ensureN8n } from "../services/automation/scripts/ensure-n8n.ts";
import { ensurePackages } from "@roboagency/testing/os-packages";

try {
  ensurePackages();
  // The automation tests drive a real n8n, installed apart from the product (about 1.8 GB, cached).
  const n8n = await ensureN8n();
  if (n8n.installed)
    console.log(`n8n ${n8n.version} installed for the tests in ${Math.round(n8n.ms / 1000)} s`);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
const result = spawnSync("npx", ["vitest", "run", ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(result.status ?? 1);
