/**
 * A fresh database per test file on the real Postgres the global setup provides,
 * so files run in parallel without seeing each other's rows. Dropped at the end.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";

export interface TestDatabase {
  url: string;
  drop: () => Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = inject("databaseUrl");
  const name = `t_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export function redisUrl(): string {
  return inject("redisUrl");
}

declare module "vitest" {
  /** What the global setup (./global-setup.ts) provides to every test file. */
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
  }
}
