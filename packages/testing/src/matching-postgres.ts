/**
 * A Postgres whose major version has a pg_dump on this machine, for the backup tests: the test
 * suite's own server when one matches, otherwise a throwaway cluster started from the newest
 * Debian server binaries that come with a pg_dump (the suite may run an embedded Postgres 18 while
 * Debian's client is 15). Either way the real pg_dump and psql of that version are used.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { createTestDatabase } from "./database.ts";
import { freePort } from "./ports.ts";

/** Folders holding a pg_dump, with the major version each is. */
export function pgBinDirs(): { dir: string; major: number }[] {
  const root = "/usr/lib/postgresql";
  const dirs = existsSync(root) ? readdirSync(root).map((v) => path.join(root, v, "bin")) : [];
  const onPath = spawnSync("sh", ["-c", "command -v pg_dump"], { encoding: "utf8" }).stdout.trim();
  if (onPath) dirs.push(path.dirname(onPath));
  return [...new Set(dirs)]
    .filter((d) => existsSync(path.join(d, "pg_dump")))
    .map((dir) => ({
      dir,
      major: Number(
        /(\d+)\.\d+/.exec(execFileSync(path.join(dir, "pg_dump"), ["--version"], { encoding: "utf8" }))![1],
      ),
    }));
}

async function major(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const r = await c.query("show server_version_num");
  await c.end();
  return Math.floor(Number(r.rows[0].server_version_num) / 10000);
}

export interface MatchingPostgres {
  /** PG_BINDIRS for the scripts: every folder found; they pick the matching one themselves. */
  binDirs: string;
  major: number;
  /** Whether a cluster was started here because the suite's server has no matching pg_dump. */
  own: boolean;
  database(): Promise<{ url: string; drop: () => Promise<void> }>;
  stop(): Promise<void>;
}

export async function matchingPostgres(suiteUrl: string): Promise<MatchingPostgres> {
  const dirs = pgBinDirs();
  if (!dirs.length) throw new Error("no pg_dump on this machine: apt-get install postgresql-client");
  const binDirs = dirs.map((d) => d.dir).join(":");
  const suiteMajor = await major(suiteUrl);
  if (dirs.some((d) => d.major === suiteMajor))
    return { binDirs, major: suiteMajor, own: false, database: createTestDatabase, stop: async () => {} };

  const server = dirs
    .filter((d) => existsSync(path.join(d.dir, "initdb")) && existsSync(path.join(d.dir, "postgres")))
    .sort((a, b) => b.major - a.major)[0];
  if (!server)
    throw new Error(
      `the suite's Postgres is ${suiteMajor} and this machine has pg_dump ${dirs.map((d) => d.major).join(", ")} but no server of those: apt-get install postgresql-${dirs[0]!.major}`,
    );
  const data = mkdtempSync(path.join(tmpdir(), "pg-backup-"));
  const port = await freePort();
  // initdb refuses root; run the cluster as the postgres user when there is one.
  const asPostgres = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) =>
    asPostgres
      ? execFileSync("runuser", ["-u", "postgres", "--", cmd, ...args], { stdio: "ignore", timeout: 60_000 })
      : execFileSync(cmd, args, { stdio: "ignore", timeout: 60_000 });
  if (asPostgres) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(data, uid, gid);
  }
  run(path.join(server.dir, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"]);
  // -l: the server's output to a file, so nothing holds this process's pipes open.
  run(path.join(server.dir, "pg_ctl"), [
    "-D",
    data,
    "-l",
    path.join(data, "server.log"),
    "-w",
    "-o",
    `-p ${port} -k ${data} -c listen_addresses=127.0.0.1`,
    "start",
  ]);
  const base = `postgres://postgres@127.0.0.1:${port}`;
  let n = 0;
  return {
    binDirs,
    major: server.major,
    own: true,
    database: async () => {
      const name = `backup_${++n}`;
      const c = new pg.Client({ connectionString: `${base}/postgres` });
      await c.connect();
      await c.query(`create database ${name}`);
      await c.end();
      return { url: `${base}/${name}`, drop: async () => {} };
    },
    stop: async () => {
      run(path.join(server.dir, "pg_ctl"), ["-D", data, "-m", "fast", "stop"]);
    },
  };
}
