/**
 * The bench stops what it started: the real `npm run bench` (scripts/bench.ts) against the real
 * Postgres, interrupted with SIGINT once its target and its load generator run; afterwards no
 * process it started may be alive, and its database is gone.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { alive } from "./bench-supervisor.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const databaseUrl = () => inject("databaseUrl");

async function benchDatabases(): Promise<string[]> {
  const c = new pg.Client({ connectionString: databaseUrl() });
  await c.connect();
  try {
    const { rows } = await c.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE 'bench\\_%'",
    );
    return rows.map((r) => r.datname);
  } finally {
    await c.end();
  }
}

describe("npm run bench's supervisor", () => {
  it("when the bench gets SIGINT while its target and load generator run, then no process it started survives and its database is dropped", async () => {
    const before = new Set(await benchDatabases());
    const bench = spawn(
      process.execPath,
      ["--import", "tsx", "scripts/bench.ts", "--duration", "30", "--runs", "1"],
      {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: databaseUrl() },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    const exited = new Promise<number | null>((resolve) => bench.once("exit", (code) => resolve(code)));
    const started: Array<{ name: string; pid: number }> = [];
    let stderr = "";
    const loadRunning = new Promise<void>((resolve, reject) => {
      bench.stderr!.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        for (const m of stderr.matchAll(/bench: started (.+?) pid (\d+)/g)) {
          if (!started.some((s) => s.pid === Number(m[2]))) started.push({ name: m[1]!, pid: Number(m[2]) });
        }
        if (started.some((s) => s.name === "load")) resolve();
      });
      void exited.then(() => reject(new Error(`the bench exited before its load ran:\n${stderr}`)));
    });
    await loadRunning;
    const ours = (await benchDatabases()).filter((d) => !before.has(d));
    expect(ours.length).toBeGreaterThan(0);
    expect(started.every((s) => alive(s.pid))).toBe(true);

    bench.kill("SIGINT");
    expect(await exited).toBe(130);
    for (const s of started) expect(alive(s.pid), `${s.name} (pid ${s.pid}) survived`).toBe(false);
    const left = await benchDatabases();
    for (const d of ours) expect(left).not.toContain(d);
  }, 240_000);
});
