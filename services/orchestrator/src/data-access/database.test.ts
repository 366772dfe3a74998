import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@roboagency/testing/ports";
import { createTestDatabase, type TestDatabase } from "@roboagency/testing/database";
import {
  connectLocalOrRemoteDatabase,
  migrate,
  openDatabase,
  redactUrl,
  withTransaction,
  type Database,
} from "./database.ts";

describe("migrate", () => {
  let testDb: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await openDatabase({ url: testDb.url });
  });
  afterAll(async () => {
    await db.close();
    await testDb.drop();
  });

  it("when two processes migrate at once, then both succeed and every file is applied exactly once", async () => {
    const [a, b] = await Promise.all([migrate(db.pool), migrate(db.pool)]);
    const all = [...a.applied, ...b.applied];
    expect(all).toContain("001_init.sql");
    expect(new Set(all).size).toBe(all.length);
    expect([a.applied.length, b.applied.length]).toContain(0);
    const rows = await db.pool.query("SELECT name FROM schema_migrations ORDER BY name");
    expect(rows.rows.map((r) => r.name)).toContain("001_init.sql");
    const tables = await db.pool.query("SELECT to_regclass('outbox_messages') AS t");
    expect(tables.rows[0].t).toBe("outbox_messages");
  });

  it("when migrate runs again, then it applies nothing", async () => {
    expect(await migrate(db.pool)).toEqual({ applied: [], changed: [] });
  });

  it("when a migration fails, then its changes are rolled back and the error names the file", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "migrations-"));
    await writeFile(path.join(dir, "001_ok.sql"), "CREATE TABLE mig_ok (id int);");
    await writeFile(
      path.join(dir, "002_bad.sql"),
      "CREATE TABLE mig_bad (id int); SELECT no_such_column FROM mig_bad;",
    );
    const scratch = await createTestDatabase();
    const other = await openDatabase({ url: scratch.url });
    try {
      await expect(migrate(other.pool, { dir })).rejects.toThrow(/002_bad\.sql failed and was rolled back/);
      const regs = await other.pool.query(
        "SELECT to_regclass('mig_ok') AS ok, to_regclass('mig_bad') AS bad",
      );
      expect(regs.rows[0]).toEqual({ ok: "mig_ok", bad: null });
      const applied = await other.pool.query("SELECT name FROM schema_migrations");
      expect(applied.rows.map((r) => r.name)).toEqual(["001_ok.sql"]);
    } finally {
      await other.close();
      await scratch.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("when the migrations folder is missing or empty, then the error names it and the setting", async () => {
    await expect(migrate(db.pool, { dir: "/nonexistent/migrations" })).rejects.toThrow(
      /no migrations .* in \/nonexistent\/migrations; set AGENCY_MIGRATIONS_DIR/,
    );
  });

  it("when an applied migration file changes, then migrate reports it instead of re-running it", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "migrations-"));
    const scratch = await createTestDatabase();
    const other = await openDatabase({ url: scratch.url });
    try {
      await writeFile(path.join(dir, "001_a.sql"), "CREATE TABLE mig_a (id int);");
      expect((await migrate(other.pool, { dir })).applied).toEqual(["001_a.sql"]);
      await writeFile(path.join(dir, "001_a.sql"), "CREATE TABLE mig_a (id int, extra text);");
      expect(await migrate(other.pool, { dir })).toEqual({ applied: [], changed: ["001_a.sql"] });
    } finally {
      await other.close();
      await scratch.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("withTransaction", () => {
  let testDb: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await openDatabase({ url: testDb.url });
    await db.pool.query("CREATE TABLE tx_probe (v int)");
  });
  afterAll(async () => {
    await db.close();
    await testDb.drop();
  });

  it("when fn throws, then nothing it wrote is kept and the error reaches the caller", async () => {
    await expect(
      withTransaction(db.pool, async (client) => {
        await client.query("INSERT INTO tx_probe VALUES (1)");
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect((await db.pool.query("SELECT count(*)::int AS n FROM tx_probe")).rows[0].n).toBe(0);
  });

  it("when fn resolves, then its writes are committed and its value returned", async () => {
    const value = await withTransaction(db.pool, async (client) => {
      await client.query("INSERT INTO tx_probe VALUES (2)");
      return "done";
    });
    expect(value).toBe("done");
    expect((await db.pool.query("SELECT count(*)::int AS n FROM tx_probe")).rows[0].n).toBe(1);
  });
});

describe("openDatabase", () => {
  it("when the URL is not a postgres URL, then the error says what DATABASE_URL should look like", async () => {
    await expect(openDatabase({ url: "mysql://x@localhost/db" })).rejects.toThrow(
      /must start with postgres:\/\//,
    );
    await expect(openDatabase({ url: "not a url" })).rejects.toThrow(/DATABASE_URL is not a valid URL/);
  });

  it("when the server cannot be reached, then the error names the host without the password", async () => {
    const port = await freePort();
    const url = `postgres://u:secret-pw@127.0.0.1:${port}/db`;
    const err = await openDatabase({ url }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
    expect((err as Error).message).not.toContain("secret-pw");
    expect(redactUrl(url)).toBe(`postgres://u:***@127.0.0.1:${port}/db`);
  });
});

// mkdtemp makes 0700 folders; under root, Postgres runs as the postgres user and must walk into it.
async function dataFolder(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "agency-data-"));
  await chmod(dir, 0o755);
  return dir;
}

describe("connectLocalOrRemoteDatabase", () => {
  it("when a URL is given, then it connects there and reports embedded=false", async () => {
    const testDb = await createTestDatabase();
    const db = await connectLocalOrRemoteDatabase({ databaseUrl: testDb.url, dataDir: "/nonexistent" });
    try {
      expect(db.embedded).toBe(false);
      expect((await db.pool.query("SELECT current_database() AS d")).rows[0].d).toBe(
        new URL(testDb.url).pathname.slice(1),
      );
    } finally {
      await db.close();
      await testDb.drop();
    }
  });

  it("when no URL is given, then an embedded Postgres serves database agency and keeps data across restarts", async () => {
    const dataDir = await dataFolder();
    const port = await freePort();
    try {
      const first = await connectLocalOrRemoteDatabase({ dataDir, port });
      expect(first.embedded).toBe(true);
      expect((await first.pool.query("SELECT current_database() AS d")).rows[0].d).toBe("agency");
      await migrate(first.pool);
      await first.pool.query("INSERT INTO leads (email) VALUES ('kept@example.com')");
      await first.close();

      const second = await connectLocalOrRemoteDatabase({ dataDir, port });
      try {
        const rows = await second.pool.query("SELECT email FROM leads");
        expect(rows.rows).toEqual([{ email: "kept@example.com" }]);
        expect((await migrate(second.pool)).applied).toEqual([]);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("when the embedded port is taken, then the error says to set AGENCY_PG_PORT", async () => {
    const dataDir = await dataFolder();
    const { createServer } = await import("node:net");
    const blocker = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, "127.0.0.1", resolve));
    try {
      await expect(connectLocalOrRemoteDatabase({ dataDir, port })).rejects.toThrow(
        new RegExp(`port ${port} .*already in use.*AGENCY_PG_PORT`),
      );
    } finally {
      blocker.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
