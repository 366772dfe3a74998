/**
 * The bench stops what it started: the real `npm run bench` (scripts/bench.ts) against the real
 * Postgres, interrupted with SIGINT once its target and its load generator run; afterwards no
 * process it started may be alive, and its database is gone.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { alive, groupRssMiB, rssMiB, Supervisor } from "./bench-supervisor.ts";

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

describe("the bench's memory figures", () => {
  it("when a process it started starts a child of its own, then the child's memory counts too", async () => {
    const supervisor = new Supervisor(2_000);
    // The child holds 64 MiB of touched memory, as the esbuild service beside the worker holds its own.
    const child = `const b = Buffer.alloc(64 << 20, 1); setInterval(() => b[0]++, 1000);`;
    const parent = `const c = require("node:child_process").spawn(process.execPath, ["-e", ${JSON.stringify(child)}], { stdio: "ignore" });
      setTimeout(() => console.log(JSON.stringify({ child: c.pid })), 1500); setInterval(() => {}, 1000);`;
    const p = supervisor.start("parent", process.execPath, ["-e", parent]);
    try {
      const { child: childPid } = await supervisor.ready<{ child: number }>(p);
      const own = rssMiB(p.pid)!;
      const theirs = rssMiB(childPid)!;
      expect(theirs).toBeGreaterThan(64);
      expect(groupRssMiB(p.pid)).toBeGreaterThanOrEqual(own + theirs - 1);
    } finally {
      await supervisor.stopAll();
    }
    expect(groupRssMiB(p.pid)).toBeUndefined();
  }, 30_000);
});
