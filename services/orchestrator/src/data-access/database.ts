/**
 * The Postgres connection, its migrations and transactions. In production DATABASE_URL points at
 * the stack's Postgres; locally (no URL) an embedded Postgres keeps its data under the agency's
 * data folder so `npm start` needs nothing installed.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres } from "./embedded-postgres.ts";
import { agencyTypes } from "./pg-types.ts";

/** The pool or a transaction's client: every repository function runs on either. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, "query">;

export interface Database {
  pool: pg.Pool;
  /** Connection URL, password included: do not log it (use `redactUrl`). */
  url: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  url: string;
  /** Pool size. Defaults to 10. */
  max?: number;
  /** Told about errors on idle connections (the pool replaces them). Defaults to ignoring them. */
  onIdleError?: (err: Error) => void;
  /** Settings for every connection of the pool, as libpq's `options` (e.g. "-c synchronous_commit=off"). */
  sessionOptions?: string;
}

/**
 * From the sources this module sits in src/data-access/; in the image it is bundled into dist/
 * with the migrations copied beside it (see the Dockerfile). AGENCY_MIGRATIONS_DIR overrides both.
 */
export const MIGRATIONS_DIR =
  process.env.AGENCY_MIGRATIONS_DIR ||
  ["../../migrations", "../migrations"]
    .map((relative) => path.resolve(import.meta.dirname, relative))
    .find((dir) => existsSync(path.join(dir, "001_init.sql"))) ||
  path.resolve(import.meta.dirname, "../../migrations");
export const DEFAULT_EMBEDDED_PORT = 54329;
const LOCAL_DATABASE = "agency";
// Any constant works; it only has to be the same in every process that migrates this database.
const MIGRATION_LOCK_KEY = 7_140_215_001;

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (!options.url) throw new Error("openDatabase: url is required (set DATABASE_URL)");
  let parsed: URL;
  try {
    parsed = new URL(options.url);
  } catch {
    throw new Error("DATABASE_URL is not a valid URL; expected postgres://user:password@host:5432/database");
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new Error(`DATABASE_URL must start with postgres:// (got ${parsed.protocol}//)`);
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    ...(options.sessionOptions ? { options: options.sessionOptions } : {}),
    // A pool that cannot hand out a connection says so instead of waiting forever.
    connectionTimeoutMillis: 15_000,
    // pg's parsers, but bytea[] (the checkpointer's reads) without garbage per character.
    types: agencyTypes,
  });
  // Without a listener an idle client's error (server restart) would crash the process.
  pool.on("error", (err) => options.onIdleError?.(err));
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new Error(`cannot connect to Postgres at ${redactUrl(options.url)}: ${(err as Error).message}`);
  }
  let closed = false;
  return {
    pool,
    url: options.url,
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/** The URL with its password replaced, fit for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "<invalid url>";
  }
}

export interface MigrateOptions {
  /** Folder of `*.sql` files applied in name order. Defaults to services/orchestrator/migrations. */
  dir?: string;
}

export interface MigrateResult {
  /** Files applied by this call, in order. */
  applied: string[];
  /** Files applied earlier whose content has changed since: the database did not get the change. */
  changed: string[];
}

/**
 * Applies the migrations not yet recorded in `schema_migrations`, each in its own transaction.
 * A session advisory lock serialises concurrent callers (API and worker starting together):
 * the second waits, then finds nothing left to apply.
 */
export async function migrate(pool: pg.Pool, options: MigrateOptions = {}): Promise<MigrateResult> {
  const dir = options.dir ?? MIGRATIONS_DIR;
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith(".sql")).sort();
  if (files.length === 0) throw new Error(`no migrations (*.sql) found in ${dir}; set AGENCY_MIGRATIONS_DIR`);
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        name        text PRIMARY KEY,
        sha256      text NOT NULL,
        applied_at  timestamptz NOT NULL DEFAULT now()
      )`);
      const done = new Map<string, string>(
        (
          await client.query<{ name: string; sha256: string }>("SELECT name, sha256 FROM schema_migrations")
        ).rows.map((r) => [r.name, r.sha256]),
      );
      const result: MigrateResult = { applied: [], changed: [] };
      for (const file of files) {
        const sql = await readFile(path.join(dir, file), "utf8");
        const sha256 = createHash("sha256").update(sql).digest("hex");
        const previous = done.get(file);
        if (previous !== undefined) {
          if (previous !== sha256) result.changed.push(file);
          continue;
        }
        try {
          await client.query("BEGIN");
          await client.query(sql);
          await client.query("INSERT INTO schema_migrations (name, sha256) VALUES ($1, $2)", [file, sha256]);
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw new Error(`migration ${file} failed and was rolled back: ${(err as Error).message}`);
        }
        result.applied.push(file);
      }
      return result;
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}

/** Runs fn inside BEGIN/COMMIT on one client; rolls back and rethrows when fn throws. */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const value = await fn(client);
    await client.query("COMMIT");
    return value;
  } catch (err) {
    try {
      await client.query("ROLLBACK");
    } catch (rollbackError) {
      // A client that cannot roll back must not go back into the pool.
      broken = rollbackError as Error;
    }
    throw err;
  } finally {
    client.release(broken);
  }
}

/** A round trip to Postgres, for the readiness probe. */
export async function ping(db: Queryable): Promise<void> {
  await db.query("SELECT 1");
}

export interface LocalOrRemoteOptions {
  /** Use this server when set (production). */
  databaseUrl?: string;
  /** Agency data folder; the embedded cluster lives in `${dataDir}/postgres`. */
  dataDir: string;
  /** Embedded Postgres port. Defaults to env AGENCY_PG_PORT, else 54329. */
  port?: number;
  /** Receives the embedded server's log output. */
  onLog?: (line: string) => void;
  onIdleError?: (err: Error) => void;
  /** Pool size; defaults to 10. */
  max?: number;
}

export async function connectLocalOrRemoteDatabase(
  options: LocalOrRemoteOptions,
): Promise<Database & { embedded: boolean }> {
  if (options.databaseUrl) {
    const db = await openDatabase({
      url: options.databaseUrl,
      onIdleError: options.onIdleError,
      max: options.max,
    });
    return { ...db, embedded: false };
  }
  if (!options.dataDir)
    throw new Error("connectLocalOrRemoteDatabase: dataDir is required when no DATABASE_URL");
  const port = options.port ?? embeddedPortFromEnv();
  let server;
  try {
    server = await startEmbeddedPostgres({
      dataDir: path.join(options.dataDir, "postgres"),
      port,
      persistent: true,
      onLog: options.onLog,
    });
  } catch (err) {
    const message = (err as Error).message;
    throw new Error(
      /already in use/.test(message)
        ? `${message} (set AGENCY_PG_PORT to a free port, or DATABASE_URL)`
        : message,
    );
  }
  try {
    await ensureDatabase(server.url, LOCAL_DATABASE);
    const url = new URL(server.url);
    url.pathname = `/${LOCAL_DATABASE}`;
    const db = await openDatabase({
      url: url.toString(),
      onIdleError: options.onIdleError,
      max: options.max,
    });
    return {
      ...db,
      embedded: true,
      close: async () => {
        await db.close();
        await server.stop();
      },
    };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

function embeddedPortFromEnv(): number {
  const raw = process.env.AGENCY_PG_PORT;
  if (raw === undefined || raw === "") return DEFAULT_EMBEDDED_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`AGENCY_PG_PORT must be a port number between 1 and 65535, got "${raw}"`);
  }
  return port;
}

async function ensureDatabase(serverUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (exists.rowCount === 0) {
      await client
        .query(`CREATE DATABASE ${client.escapeIdentifier(name)}`)
        .catch((err: { code?: string }) => {
          // Another process created it between our check and our CREATE.
          if (err.code !== "42P04") throw err;
        });
    }
  } finally {
    await client.end();
  }
}
