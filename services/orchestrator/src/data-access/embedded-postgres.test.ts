import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@roboagency/testing/ports";
import { startEmbeddedPostgres } from "./embedded-postgres.ts";

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("startEmbeddedPostgres", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "embedded-pg-"));
    // mkdtemp makes a 0700 folder; under root, Postgres runs as the postgres user and must walk into it.
    await chmod(root, 0o755);
  });
  afterAll(async () => rm(root, { recursive: true, force: true }));

  it("when the folder already has a running server, then a second start reuses it and its stop leaves it up", async () => {
    const dataDir = path.join(root, "shared");
    const first = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: true });
    try {
      const second = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: true });
      expect(second.reused).toBe(true);
      expect(second.url).toBe(first.url);
      await second.stop();
      expect(await query(first.url, "select 1 as ok")).toEqual([{ ok: 1 }]);
    } finally {
      await first.stop();
    }
  });

  it("when a non-persistent server stops, then its folder is gone and the port is free again", async () => {
    const dataDir = path.join(root, "throwaway");
    const port = await freePort();
    const server = await startEmbeddedPostgres({ dataDir, port, persistent: false });
    expect(server.url).not.toContain("@localhost");
    expect(await query(server.url, "show listen_addresses")).toEqual([{ listen_addresses: "127.0.0.1" }]);
    await server.stop();
    expect(existsSync(dataDir)).toBe(false);
    const again = await startEmbeddedPostgres({ dataDir, port, persistent: false });
    await again.stop();
  });

  it("when the data folder cannot be used, then the error names the folder and the fix", async () => {
    const locked = path.join(root, "locked");
    await mkdir(locked, { mode: 0o700 });
    try {
      const dataDir = path.join(locked, "pg");
      const port = await freePort();
      if (process.getuid?.() === 0) {
        // Root can write anywhere; the postgres user Postgres runs as cannot walk into a 0700 folder.
        await expect(startEmbeddedPostgres({ dataDir, port, persistent: true })).rejects.toThrow(
          `${locked} is not searchable by others (chmod o+x ${locked})`,
        );
      } else {
        await chmod(locked, 0o500);
        await expect(startEmbeddedPostgres({ dataDir, port, persistent: true })).rejects.toThrow(
          `cannot create the Postgres data folder ${dataDir}`,
        );
      }
    } finally {
      await chmod(locked, 0o700);
    }
  });

  it("when the options are nonsense, then the error names the option", async () => {
    await expect(startEmbeddedPostgres({ dataDir: "", port: 5432, persistent: true })).rejects.toThrow(
      /dataDir/,
    );
    await expect(startEmbeddedPostgres({ dataDir: root, port: 70000, persistent: true })).rejects.toThrow(
      /port/,
    );
  });
});
