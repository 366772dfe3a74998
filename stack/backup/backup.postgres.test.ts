/**
 * The nightly backup's Postgres dump restored into another database, with the real pg_dump and
 * psql on this machine and the real Postgres from the test setup. No fakes.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../scripts/test-db.ts";

const here = import.meta.dirname;
const env = (url: string) => ({
  ...process.env,
  AGENCY_BACKUP_NO_ENV: "1",
  PG_DUMP: "pg_dump",
  PSQL: "psql",
  DATABASE_URL: url,
});

describe("postgres backup and restore", () => {
  let source: TestDatabase;
  let target: TestDatabase;
  beforeAll(async () => {
    [source, target] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    const c = new pg.Client({ connectionString: source.url });
    await c.connect();
    await c.query(
      readFileSync(path.join(here, "../../services/orchestrator/migrations/001_init.sql"), "utf8"),
    );
    await c.query("create table backup_probe (id serial primary key, note text not null)");
    await c.query("insert into backup_probe (note) values ('first'), ('it''s the second')");
    await c.end();
  });
  afterAll(async () => {
    await Promise.all([source?.drop(), target?.drop()]);
  });

  it("when a dump is restored into an empty database, then the schema and rows come back", async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "backup-")), "postgres.sql.gz");
    execFileSync("bash", [path.join(here, "agency-backup.sh"), "dump-postgres", file], {
      env: env(source.url),
    });
    expect(statSync(file).size).toBeGreaterThan(100);
    execFileSync("bash", [path.join(here, "agency-restore.sh"), "postgres", file], { env: env(target.url) });
    // Restoring twice works too: the dump drops what it recreates.
    execFileSync("bash", [path.join(here, "agency-restore.sh"), "postgres", file], { env: env(target.url) });

    const c = new pg.Client({ connectionString: target.url });
    await c.connect();
    const rows = await c.query("select note from backup_probe order by id");
    const tables = await c.query(
      "select count(*)::int as n from information_schema.tables where table_schema = 'public'",
    );
    await c.end();
    expect(rows.rows.map((r) => r.note)).toEqual(["first", "it's the second"]);
    expect(tables.rows[0].n).toBeGreaterThan(1);
  });

  it("when the restore file does not exist, then it fails saying so", () => {
    expect(() =>
      execFileSync("bash", [path.join(here, "agency-restore.sh"), "postgres", "/nonexistent.sql.gz"], {
        env: env(target.url),
        stdio: "pipe",
      }),
    ).toThrow(/cannot read \/nonexistent.sql.gz/);
  });
});
