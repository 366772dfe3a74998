/**
 * The test-only n8n install: `n8n-runtime/` pins n8n in its own package.json and lockfile, apart
 * from the product's dependencies (it is ~1.8 GB), installed into a cache outside the checkout.
 * `npm test` runs this before vitest so the install does not compete with running tests:
 *
 *   npx tsx services/automation/scripts/ensure-n8n.ts
 *
 * The n8n tests call `ensureN8n()` too, so a plain `npx vitest run services/automation` also works.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { reportProgress } from "../../../scripts/progress.ts";

const run = promisify(execFile);

/** The pinned manifest and lockfile, committed in the repo. */
export const MANIFEST_DIR = path.resolve(import.meta.dirname, "../n8n-runtime");

/**
 * Where n8n is installed: a cache outside the checkout, keyed by the lockfile, so a fresh clone
 * (CI clones anew every run) reuses the install of an earlier one. N8N_RUNTIME_DIR overrides it.
 */
function installDir(): string {
  if (process.env.N8N_RUNTIME_DIR) return path.resolve(process.env.N8N_RUNTIME_DIR);
  const lock = readFileSync(path.join(MANIFEST_DIR, "package-lock.json"));
  const key = createHash("sha256").update(lock).digest("hex").slice(0, 16);
  const root =
    process.getuid?.() === 0 ? "/var/cache/roboagency" : path.join(homedir(), ".cache", "roboagency");
  return path.join(root, `n8n-runtime-${key}`);
}

export const RUNTIME_DIR = installDir();
const BIN = path.join(RUNTIME_DIR, "node_modules/.bin/n8n");

/** The n8n version pinned in n8n-runtime/package.json (the stack's image tag must match). */
export function pinnedN8nVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(MANIFEST_DIR, "package.json"), "utf8")) as {
    dependencies: { n8n: string };
  };
  return pkg.dependencies.n8n;
}

function installedVersion(): string | undefined {
  const file = path.join(RUNTIME_DIR, "node_modules/n8n/package.json");
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}

/**
 * Installs the pinned n8n from the lockfile when it is missing or another version; nothing to do
 * on later runs. Install scripts stay off (`--ignore-scripts`): n8n needs none of them when it
 * runs on Postgres, and several would download binaries. A file lock keeps two test files from
 * installing at once.
 */
export async function ensureN8n(): Promise<{ installed: boolean; ms: number; version: string }> {
  const started = Date.now();
  const wanted = pinnedN8nVersion();
  if (installedVersion() === wanted && existsSync(BIN)) return { installed: false, ms: 0, version: wanted };
  mkdirSync(RUNTIME_DIR, { recursive: true });
  for (const file of ["package.json", "package-lock.json"]) {
    copyFileSync(path.join(MANIFEST_DIR, file), path.join(RUNTIME_DIR, file));
  }
  // About 1.8 GB on the first run: minutes of npm ci, reported every 10 s instead of silence.
  const progress = reportProgress(
    `Installing the test-only n8n ${wanted} into ${RUNTIME_DIR} (first run only)`,
  );
  await run(
    "flock",
    [
      path.join(RUNTIME_DIR, ".install.lock"),
      "sh",
      "-c",
      // Checked again under the lock: another test file may have finished the install meanwhile.
      `[ -x node_modules/.bin/n8n ] && grep -q '"version": "${wanted}"' node_modules/n8n/package.json || npm ci --ignore-scripts --no-audit --no-fund --loglevel=error`,
    ],
    { cwd: RUNTIME_DIR, maxBuffer: 64 * 1024 * 1024, timeout: 20 * 60_000 },
  ).catch((err: unknown) => {
    progress.failed();
    throw err;
  });
  const version = installedVersion();
  if (version === wanted) progress.done();
  else progress.failed();
  if (version !== wanted) {
    throw new Error(`n8n ${wanted} did not install into ${RUNTIME_DIR} (found ${version ?? "nothing"})`);
  }
  return { installed: true, ms: Date.now() - started, version };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const result = await ensureN8n();
  process.stdout.write(
    result.installed
      ? `n8n ${result.version} installed into ${RUNTIME_DIR} in ${Math.round(result.ms / 1000)} s\n`
      : `n8n ${result.version} already installed in ${RUNTIME_DIR}\n`,
  );
}
