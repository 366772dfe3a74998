/**
 * `npm test`: the whole suite against real services. Installs the Debian tools the tests drive
 * when they are missing, then runs vitest (extra arguments pass through, e.g. a folder).
 * Postgres and Redis come from DATABASE_URL / REDIS_URL when set, otherwise the suite starts
 * them itself (scripts/test-services.ts).
 */
import { spawnSync } from "node:child_process";
import { ensurePackages } from "./os-packages.ts";

try {
  ensurePackages();
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
const result = spawnSync("npx", ["vitest", "run", ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(result.status ?? 1);
