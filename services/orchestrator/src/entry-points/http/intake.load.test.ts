/**
 * Intakes while the database pool is busy, with the limits on Postgres (no Redis, as `npm start`
 * runs): a real agency from the harness with the in-process queue; nothing is faked.
 */
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anIntake, startTestAgency, type TestAgency } from "@roboagency/testing/agency";

let t: TestAgency;

beforeAll(async () => {
  t = await startTestAgency({ AGENCY_INTAKES_PER_CLIENT_PER_HOUR: "0" }, { worker: false, queue: "memory" });
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

describe("POST /v1/intake with a busy pool", () => {
  it("when every connection but one is in use, then an intake is still accepted (its limits do not wait for the pool its transaction holds)", async () => {
    // As under load: parallel intakes hold the pool's connections in their transactions. The
    // limits were taken on the same pool, so the last free connection's intake waited for a
    // second one until the connect timeout.
    const max = (t.agency.pool as pg.Pool & { options: { max: number } }).options.max;
    const held = await Promise.all(Array.from({ length: max - 1 }, () => t.agency.pool.connect()));
    try {
      const res = await t.api("/v1/intake", {
        method: "POST",
        json: anIntake({ email: "busy@example.com" }),
      });
      expect(res.status).toBe(202);
    } finally {
      for (const client of held) client.release();
    }
  }, 60_000);
});
