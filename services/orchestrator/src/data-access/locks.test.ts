/** Session locks on the real Postgres: who gets one, and what its holder learns when it is lost. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@roboagency/testing/database";
import { openDatabase, type Database } from "./database.ts";
import { withSessionLock } from "./locks.ts";

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

describe("withSessionLock", () => {
  it("when another session holds the lock, then fn does not run", async () => {
    let ran = false;
    const outer = await withSessionLock(db.pool, "locks-test:held", async () => {
      return withSessionLock(db.pool, "locks-test:held", async () => {
        ran = true;
      });
    });
    expect(outer).toEqual({ acquired: true, value: { acquired: false } });
    expect(ran).toBe(false);
  });

  it("when the lock's connection is terminated, then fn's signal aborts, the lock is free for another session and nothing is thrown uncaught", async () => {
    const held = await withSessionLock(db.pool, "locks-test:lost", async (lost) => {
      expect(lost.aborted).toBe(false);
      await db.pool.query(
        `SELECT pg_terminate_backend(pid) FROM pg_locks
         WHERE locktype = 'advisory' AND pid <> pg_backend_pid() AND database = (
           SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      // The lock's connection may report its end before the terminating query answers.
      if (!lost.aborted)
        await new Promise<void>((resolve) => lost.addEventListener("abort", () => resolve()));
      const other = await withSessionLock(db.pool, "locks-test:lost", async () => "taken over");
      return { reason: String(lost.reason), other };
    });
    expect(held).toMatchObject({
      acquired: true,
      value: { reason: expect.stringMatching(/terminat/), other: { acquired: true, value: "taken over" } },
    });
    // The broken connection was discarded: the pool still serves.
    expect((await db.pool.query("SELECT 1 AS one")).rows[0].one).toBe(1);
  });
});
