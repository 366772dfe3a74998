/**
 * A real n8n for tests: the pinned version from `n8n-runtime/` (a test-only install, ~1.8 GB, kept
 * out of the product's dependencies), a temporary user folder, its own database on the test
 * Postgres, random ports, no telemetry. Workflows are imported from `workflows/` as they are.
 *
 * Two deviations from a stock n8n, both forced by this machine (Node 20, no internet):
 * - the install runs with --ignore-scripts and `overrides: { xlsx: "0.18.5" }` (n8n's own xlsx
 *   lives on a host we cannot reach), so sqlite3's native module is never built: n8n runs on
 *   Postgres (DB_TYPE=postgresdb), which production uses anyway;
 * - N8N_EXPRESSION_ENGINE=legacy, because the default engine's isolated-vm does not build on Node 20.
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "@roboagency/testing/ports";
import { createTestDatabase, type TestDatabase } from "@roboagency/testing/database";
import { RUNTIME_DIR } from "../scripts/ensure-n8n.ts";

export { RUNTIME_DIR, ensureN8n, pinnedN8nVersion } from "../scripts/ensure-n8n.ts";

const run = promisify(execFile);

export const WORKFLOWS_DIR = path.resolve(import.meta.dirname, "../workflows");
const BIN = path.join(RUNTIME_DIR, "node_modules/.bin/n8n");

export interface RunningN8n {
  url: string;
  /** The production URL of a webhook path of an active workflow. */
  webhookUrl(webhookPath: string): string;
  /** Runs an n8n CLI command against this instance's database and user folder. */
  cli(args: string[], extraEnv?: Record<string, string>): Promise<string>;
  logs(): string;
  stop(): Promise<void>;
}

export interface StartN8nOptions {
  /** Files in workflows/ to import, e.g. "lead-warmup.json". */
  workflows: string[];
  /** Workflow ids to activate before the start. */
  activate: string[];
  /** Environment the flows read ($env.…). */
  env: Record<string, string>;
}

export async function startN8n(opts: StartN8nOptions): Promise<RunningN8n> {
  const db: TestDatabase = await createTestDatabase();
  const dbUrl = new URL(db.url);
  const userFolder = mkdtempSync(path.join(tmpdir(), "n8n-test-"));
  const port = await freePort();
  const baseEnv: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: userFolder,
    N8N_USER_FOLDER: userFolder,
    DB_TYPE: "postgresdb",
    DB_POSTGRESDB_HOST: dbUrl.hostname,
    DB_POSTGRESDB_PORT: dbUrl.port || "5432",
    DB_POSTGRESDB_DATABASE: dbUrl.pathname.slice(1),
    DB_POSTGRESDB_USER: decodeURIComponent(dbUrl.username) || "postgres",
    DB_POSTGRESDB_PASSWORD: decodeURIComponent(dbUrl.password),
    N8N_PORT: String(port),
    N8N_LISTEN_ADDRESS: "127.0.0.1",
    N8N_HOST: "127.0.0.1",
    WEBHOOK_URL: `http://127.0.0.1:${port}/`,
    N8N_RUNNERS_BROKER_PORT: String(await freePort()),
    N8N_DIAGNOSTICS_ENABLED: "false",
    N8N_VERSION_NOTIFICATIONS_ENABLED: "false",
    N8N_PERSONALIZATION_ENABLED: "false",
    N8N_TEMPLATES_ENABLED: "false",
    N8N_EXPRESSION_ENGINE: "legacy",
    N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: "true",
    N8N_BLOCK_ENV_ACCESS_IN_NODE: "false",
    NODE_FUNCTION_ALLOW_BUILTIN: "crypto",
    N8N_GRACEFUL_SHUTDOWN_TIMEOUT: "5",
    N8N_LOG_LEVEL: "info",
    TZ: "UTC",
    ...opts.env,
  };
  const cli = async (args: string[], extraEnv: Record<string, string> = {}) => {
    try {
      const { stdout, stderr } = await run(BIN, args, {
        env: { ...baseEnv, ...extraEnv },
        cwd: userFolder,
        maxBuffer: 16 * 1024 * 1024,
        timeout: 180_000,
      });
      return `${stdout}${stderr}`;
    } catch (err) {
      const { stdout = "", stderr = "" } = err as { stdout?: string; stderr?: string };
      throw new Error(`n8n ${args.join(" ")} failed:\n${stdout}${stderr}`.slice(0, 8000));
    }
  };
  const cleanup = async () => {
    await db.drop().catch(() => undefined);
    rmSync(userFolder, { recursive: true, force: true });
  };

  let child: ChildProcess | undefined;
  let output = "";
  try {
    // Each CLI call boots n8n (several seconds), so one import and as few activations as possible.
    const importDir = path.join(userFolder, "import");
    mkdirSync(importDir);
    for (const file of opts.workflows)
      copyFileSync(path.join(WORKFLOWS_DIR, file), path.join(importDir, file));
    await cli(["import:workflow", "--separate", `--input=${importDir}`]);
    const ids = opts.workflows.map((f) => readWorkflow(f).id);
    if (opts.activate.length === ids.length && ids.every((id) => opts.activate.includes(id))) {
      await cli(["update:workflow", "--all", "--active=true"]);
    } else {
      for (const id of opts.activate) await cli(["update:workflow", `--id=${id}`, "--active=true"]);
    }

    const proc = spawn(BIN, ["start"], { env: baseEnv, cwd: userFolder, stdio: ["ignore", "pipe", "pipe"] });
    child = proc;
    proc.stdout.on("data", (c: Buffer) => (output += c.toString()));
    proc.stderr.on("data", (c: Buffer) => (output += c.toString()));
    // /healthz answers before the webhooks are registered; the editor line comes after them.
    const deadline = Date.now() + 120_000;
    while (!output.includes("Editor is now accessible")) {
      if (proc.exitCode !== null) throw new Error(`n8n exited with ${proc.exitCode}:\n${output}`);
      if (Date.now() > deadline) throw new Error(`n8n did not start within 120 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    child?.kill("SIGKILL");
    await cleanup();
    throw err;
  }
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    webhookUrl: (webhookPath) => `${url}/webhook/${webhookPath}`,
    cli,
    logs: () => output,
    stop: async () => {
      const proc = child!;
      if (proc.exitCode === null) {
        const exited = new Promise((resolve) => proc.once("exit", resolve));
        proc.kill("SIGTERM");
        const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
        await exited;
        clearTimeout(timer);
      }
      await cleanup();
    },
  };
}

export function readWorkflow(file: string): N8nWorkflow {
  return JSON.parse(readFileSync(path.join(WORKFLOWS_DIR, file), "utf8")) as N8nWorkflow;
}

export interface N8nNode {
  id: string;
  name: string;
  type: string;
  typeVersion: number;
  position: [number, number];
  parameters: Record<string, unknown>;
  webhookId?: string;
  credentials?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface N8nWorkflow {
  id: string;
  name: string;
  active: boolean;
  nodes: N8nNode[];
  connections: Record<string, Record<string, Array<Array<{ node: string; type: string; index: number }>>>>;
  settings: Record<string, unknown>;
  [key: string]: unknown;
}
