/**
 * The nightly backup's Postgres dump, encrypted and decrypted with the real openssl, restored into
 * another database with the real pg_dump and psql of the server's major version, on the test
 * setup's Postgres or, when no pg_dump of its version is here, on a cluster of one that is
 * (@roboagency/testing/matching-postgres). No fakes.
 */
import { execFileSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { type TestDatabase } from "@roboagency/testing/database";
import { matchingPostgres, type MatchingPostgres } from "@roboagency/testing/matching-postgres";

const here = import.meta.dirname;
let server: MatchingPostgres;
const env = (url: string) => ({
  ...process.env,
  AGENCY_BACKUP_NO_ENV: "1",
  PG_BINDIRS: server.binDirs,
  DATABASE_URL: url,
  BACKUP_PASSPHRASE: "correct horse battery staple",
});

describe("postgres backup and restore", () => {
  let source: TestDatabase;
  let target: TestDatabase;
  beforeAll(async () => {
    server = await matchingPostgres(inject("databaseUrl"));
    console.log(`backup test on Postgres ${server.major}${server.own ? " (its own cluster)" : ""}`);
    [source, target] = await Promise.all([server.database(), server.database()]);
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
    await server?.stop();
  });

  it("when no pg_dump of the server's major version is given, then the dump fails naming the versions", () => {
    const fake = mkdtempSync(path.join(tmpdir(), "pg-old-"));
    // A pg_dump of another major version (a two-line script: only its --version is asked).
    writeFileSync(path.join(fake, "pg_dump"), "#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n", {
      mode: 0o755,
    });
    symlinkSync(path.join(server.binDirs.split(":")[0]!, "psql"), path.join(fake, "psql"));
    const out = path.join(fake, "x.sql.gz");
    expect(() =>
      execFileSync("bash", [path.join(here, "agency-backup.sh"), "dump-postgres", out], {
        env: { ...env(source.url), PG_BINDIRS: fake },
        stdio: "pipe",
      }),
    ).toThrow(new RegExp(`no pg_dump for Postgres ${server.major} in PG_BINDIRS \\(found: 9`));
  });

  it("when an encrypted dump is decrypted and restored into an empty database, then the schema and rows come back", async () => {
    const work = mkdtempSync(path.join(tmpdir(), "backup-"));
    mkdirSync(path.join(work, "plain"));
    const run = (script: string, args: string[], url: string) =>
      execFileSync("bash", [path.join(here, script), ...args], { env: env(url) });
    run("agency-backup.sh", ["dump-postgres", path.join(work, "plain/postgres.sql.gz")], source.url);
    run("agency-backup.sh", ["seal", path.join(work, "plain"), path.join(work, "sealed")], source.url);
    expect(readdirSync(path.join(work, "sealed")).sort()).toEqual(["SHA256SUMS.enc", "postgres.sql.gz.enc"]);
    const sealed = readFileSync(path.join(work, "sealed/postgres.sql.gz.enc"));
    // What is uploaded is neither gzip nor readable: openssl's salted format.
    expect(sealed.subarray(0, 8).toString()).toBe("Salted__");
    expect(sealed.includes(readFileSync(path.join(work, "plain/postgres.sql.gz")).subarray(10, 60))).toBe(
      false,
    );

    run("agency-restore.sh", ["unseal", path.join(work, "sealed"), path.join(work, "restored")], target.url);
    const file = path.join(work, "restored/postgres.sql.gz");
    expect(statSync(file).size).toBeGreaterThan(100);
    run("agency-restore.sh", ["postgres", file], target.url);
    // Restoring twice works too: the dump drops what it recreates.
    run("agency-restore.sh", ["postgres", file], target.url);

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

  it("when the passphrase is wrong, then unsealing fails saying so", () => {
    const work = mkdtempSync(path.join(tmpdir(), "backup-"));
    execFileSync("bash", ["-c", `mkdir -p ${work}/plain && echo hello > ${work}/plain/note.txt`]);
    execFileSync("bash", [path.join(here, "agency-backup.sh"), "seal", `${work}/plain`, `${work}/sealed`], {
      env: env(target.url),
    });
    expect(() =>
      execFileSync(
        "bash",
        [path.join(here, "agency-restore.sh"), "unseal", `${work}/sealed`, `${work}/out`],
        {
          env: { ...env(target.url), BACKUP_PASSPHRASE: "wrong" },
          stdio: "pipe",
        },
      ),
    ).toThrow(/wrong BACKUP_PASSPHRASE/);
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
