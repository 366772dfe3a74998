/**
 * A real redis-server on loopback: the one the global setup shares with every test, and those a
 * test starts for itself (an eviction policy, a password, AOF, a port chosen before it starts).
 * RDB snapshots are always off; resolves once the server answers PING.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "./ports.ts";

export interface RedisServerOptions {
  /** The port it listens on. Defaults to a free one. */
  port?: number;
  /** Its data folder (`--dir`). Defaults to a temporary folder that `stop` removes. */
  dir?: string;
  /** `--requirepass`; the URL carries it. Defaults to none. */
  password?: string;
  /** AOF persistence (`--appendonly yes`). Defaults to off. */
  appendonly?: boolean;
  /** More redis-server arguments, e.g. `["--maxmemory-policy", "allkeys-lru"]`. Defaults to none. */
  args?: string[];
  /** How long it may take to answer PING. Defaults to 10 s. */
  readyTimeoutMs?: number;
}

export interface RedisServer {
  /** `redis://[:password@]127.0.0.1:<port>` */
  url: string;
  port: number;
  child: ChildProcess;
  /** Ends it (SIGTERM unless told otherwise, SIGKILL after 5 s) and removes a temporary folder. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** The arguments redis-server is started with. */
function redisServerArgs(port: number, dir: string, options: RedisServerOptions = {}): string[] {
  return [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--save",
    "",
    "--appendonly",
    options.appendonly ? "yes" : "no",
    ...(options.password ? ["--requirepass", options.password] : []),
    ...(options.args ?? []),
  ];
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = options.port ?? (await freePort());
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(path.join(tmpdir(), "redis-"));
  const child = spawn("redis-server", redisServerArgs(port, dir, options), { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const removeDir = () => {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const killed = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          child.kill("SIGKILL");
          resolve();
        }, 5000);
      });
      await Promise.race([exited, killed]);
      clearTimeout(timer);
    }
    removeDir();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      child.once("error", (err) =>
        reject(
          new Error(
            `redis-server could not be started (${err.message}); install it (apt-get install redis-server)`,
          ),
        ),
      );
      child.once("spawn", () => resolve());
    });
    const auth = options.password ? `:${encodeURIComponent(options.password)}@` : "";
    const url = `redis://${auth}127.0.0.1:${port}`;
    await answersPing(url, options.readyTimeoutMs ?? 10_000, child);
    return { url, port, child, stop };
  } catch (err) {
    await stop("SIGKILL");
    throw err;
  }
}

async function answersPing(url: string, timeoutMs: number, child: ChildProcess): Promise<void> {
  const { Redis } = await import("ioredis");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`redis-server on ${redacted(url)} exited (${child.exitCode}) before it answered`);
    }
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    // A refused connection rejects connect() below; the event it also emits says nothing more.
    client.on("error", () => undefined);
    try {
      await client.connect();
      await client.ping();
      return;
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(`redis-server on ${redacted(url)} did not answer: ${String(err)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      client.disconnect();
    }
  }
}

const redacted = (url: string) => url.replace(/\/\/:[^@]*@/, "//");
