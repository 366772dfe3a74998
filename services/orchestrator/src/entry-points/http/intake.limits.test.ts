/** The intake's rate limits over real HTTP on a real database. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anIntake, startTestAgency, type TestAgency } from "../../testing/agency-harness.ts";

let t: TestAgency;
beforeAll(async () => {
  t = await startTestAgency(
    { AGENCY_INTAKES_PER_EMAIL_PER_HOUR: "2", AGENCY_INTAKES_PER_DAY: "3" },
    { worker: false },
  );
});
afterAll(async () => {
  await t?.stop();
});

const submit = (email: string) => t.api("/v1/intake", { method: "POST", json: anIntake({ email }) });

describe("POST /v1/intake, limits", () => {
  it("when one address sends more intakes in an hour than allowed, then 429 names email and nothing is written", async () => {
    expect((await submit("busy@example.com")).status).toBe(202);
    expect((await submit("BUSY@example.com")).status).toBe(202);
    const refused = await submit("busy@example.com");
    expect(refused.status).toBe(429);
    expect((await refused.json()).fields[0].field).toBe("email");
    const { rows } = await t.agency.pool.query("SELECT count(*)::int AS n FROM leads");
    expect(rows[0].n).toBe(2);
  });

  it("when the agency's daily ceiling is reached, then every address is told to come back tomorrow", async () => {
    expect((await submit("third@example.com")).status).toBe(202);
    const refused = await submit("fourth@example.com");
    expect(refused.status).toBe(429);
    expect((await refused.json()).error).toBe("capacity_reached");
  });

  it("when a retry carries the Idempotency-Key of an accepted intake, then it is answered even at the limit", async () => {
    const headers = { "idempotency-key": "limit-replay" };
    await t.agency.pool.query("DELETE FROM projects");
    const first = await t.api("/v1/intake", {
      method: "POST",
      json: anIntake({ email: "replay@example.com" }),
      headers,
    });
    expect(first.status).toBe(202);
    await submit("filler-1@example.com");
    await submit("filler-2@example.com");
    const replay = await t.api("/v1/intake", {
      method: "POST",
      json: anIntake({ email: "replay@example.com" }),
      headers,
    });
    expect(replay.status).toBe(202);
    expect(await replay.json()).toEqual(await first.json());
  });
});
