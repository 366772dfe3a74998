/** The intake's rate limits over real HTTP on a real database. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anIntake, startTestAgency, type TestAgency } from "@roboagency/testing/agency";

let t: TestAgency;
beforeAll(async () => {
  t = await startTestAgency(
    { AGENCY_INTAKES_PER_EMAIL_PER_HOUR: "2", AGENCY_INTAKES_PER_DAY: "3" },
    // The Postgres store (no Redis), so a test can start a new day by clearing its counters.
    { worker: false, queue: "memory" },
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
    await t.agency.pool.query("DELETE FROM rate_limits"); // a new day
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

/** Moves a window past its end, as an hour passing would (Postgres store only). */
const endWindow = (agency: TestAgency, name: string) =>
  agency.agency.pool.query("UPDATE rate_limits SET expire = 0 WHERE key LIKE $1", [`%:${name}:%`]);

describe.each([["redis"], ["memory"]] as const)("POST /v1/intake, limits under load (queue: %s)", (queue) => {
  let a: TestAgency;
  beforeAll(async () => {
    a = await startTestAgency({ AGENCY_INTAKES_PER_EMAIL_PER_HOUR: "5" }, { worker: false, queue });
  });
  afterAll(async () => {
    await a?.stop();
  });

  it("when 20 intakes for one address arrive at once with a limit of 5, then exactly 5 are accepted", async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        a.api("/v1/intake", { method: "POST", json: anIntake({ email: "race@example.com" }) }),
      ),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    const { rows } = await a.agency.pool.query("SELECT count(*)::int AS n FROM leads");
    expect(rows[0].n).toBe(5);
  });
});

describe.each([["redis"], ["memory"]] as const)(
  "POST /v1/intake, the daily ceiling under load (queue: %s)",
  (queue) => {
    let a: TestAgency;
    beforeAll(async () => {
      a = await startTestAgency(
        { AGENCY_INTAKES_PER_DAY: "7", AGENCY_INTAKES_PER_CLIENT_PER_HOUR: "0" },
        { worker: false, queue },
      );
    });
    afterAll(async () => {
      await a?.stop();
    });

    it("when 24 intakes from 24 addresses arrive at once with a ceiling of 7, then exactly 7 are accepted", async () => {
      // Every intake counts on the one daily-ceiling counter (Redis, or the Postgres row whose
      // commits do not wait for the WAL flush): the counts must stay exact all the same.
      const answers = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          a.api("/v1/intake", {
            method: "POST",
            json: anIntake({ email: `ceiling-${i}@example.com` }),
          }),
        ),
      );
      const statuses = answers.map((r) => r.status);
      expect(statuses.filter((s) => s === 202)).toHaveLength(7);
      expect(statuses.filter((s) => s === 429)).toHaveLength(17);
      const { rows } = await a.agency.pool.query("SELECT count(*)::int AS n FROM leads");
      expect(rows[0].n).toBe(7);
    });
  },
);

describe("POST /v1/intake, the daily ceiling and addresses", () => {
  let a: TestAgency;
  beforeAll(async () => {
    a = await startTestAgency(
      {
        AGENCY_INTAKES_PER_EMAIL_PER_HOUR: "2",
        AGENCY_INTAKES_PER_CLIENT_PER_HOUR: "3",
        AGENCY_INTAKES_PER_DAY: "50",
      },
      { worker: false, queue: "memory" },
    );
  });
  afterAll(async () => {
    await a?.stop();
  });
  const from = (client: string, email: string) =>
    a.api("/v1/intake", {
      method: "POST",
      json: anIntake({ email }),
      headers: { "x-forwarded-for": client },
    });

  it("when one client address sends more intakes in an hour than allowed, then it gets 429 with Retry-After and others still get in", async () => {
    for (let i = 0; i < 3; i++) expect((await from("203.0.113.7", `c${i}@example.com`)).status).toBe(202);
    const refused = await from("203.0.113.7", "c9@example.com");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await refused.json()).error).toBe("rate_limited");
    expect((await from("198.51.100.4", "c9@example.com")).status).toBe(202);
  });

  it("when an address comes back with +tags, dots or another case, then they count as one mailbox", async () => {
    const variants = [
      "grace.hopper+one@gmail.com",
      "GraceHopper@googlemail.com",
      "g.r.a.c.e.hopper+x@Gmail.com",
    ];
    const statuses = [];
    for (const [i, email] of variants.entries())
      statuses.push((await from(`192.0.2.${i + 1}`, email)).status);
    expect(statuses).toEqual([202, 202, 429]);
    // Dots count elsewhere: these are two mailboxes.
    expect((await from("192.0.2.10", "grace.hopper@example.com")).status).toBe(202);
    expect((await from("192.0.2.11", "gracehopper@example.com")).status).toBe(202);
  });

  it("when one address keeps coming back every hour, then it stops at its daily share and the ceiling stays open for others", async () => {
    // The share is a tenth of 50, i.e. 5 intakes; the hourly limit is 2.
    const accepted = [];
    for (let hour = 0; hour < 4; hour++) {
      for (let i = 0; i < 2; i++) {
        accepted.push((await from(`192.0.2.${100 + hour * 2 + i}`, "tireless@example.com")).status);
      }
      await endWindow(a, "intake-email-hour");
    }
    expect(accepted.filter((s) => s === 202)).toHaveLength(5);
    const last = await from("192.0.2.200", "tireless@example.com");
    expect(last.status).toBe(429);
    expect((await last.json()).fields[0]).toMatchObject({ field: "email" });
    expect((await from("192.0.2.201", "someone-else@example.com")).status).toBe(202);
  });
});
