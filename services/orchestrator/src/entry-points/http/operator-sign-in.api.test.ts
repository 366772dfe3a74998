/**
 * The ops console's sign-in state over real HTTP and the real Postgres, as the portal's server
 * uses it: attempts counted before the password is checked, sessions that a sign-out revokes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ATTEMPTS_PER_ADDRESS,
  ATTEMPTS_PER_NAME_AND_ADDRESS,
} from "../../business-logic/operator-sign-in.ts";
import { startTestAgency, type TestAgency } from "@roboagency/testing/agency";

let t: TestAgency;
beforeAll(async () => {
  t = await startTestAgency({}, { worker: false, queue: "memory" });
});
afterAll(async () => {
  await t?.stop();
});

const attempt = (name: string, address: string) =>
  t.api("/v1/portal/operator-sign-ins", { method: "POST", admin: true, json: { name, address } });

describe("POST /v1/portal/operator-sign-ins", () => {
  it("when called without the operator token, then 401 and nothing is counted", async () => {
    const res = await t.api("/v1/portal/operator-sign-ins", {
      method: "POST",
      json: { name: "alice", address: "192.0.2.1" },
    });
    expect(res.status).toBe(401);
    expect((await t.agency.pool.query("SELECT 1 FROM operator_sign_in_limits")).rowCount).toBe(0);
  });

  it("when the body is malformed, then 422 names each field", async () => {
    const res = await t.api("/v1/portal/operator-sign-ins", {
      method: "POST",
      admin: true,
      json: { name: "", address: "not an address", extra: 1 },
    });
    expect(res.status).toBe(422);
    const fields = (await res.json()).fields.map((f: { field: string }) => f.field).sort();
    expect(fields).toEqual(["address", "extra", "name"]);
    const nul = await t.api("/v1/portal/operator-sign-ins", {
      method: "POST",
      admin: true,
      json: { name: "ali\u0007ce", address: "192.0.2.1" },
    });
    expect(nul.status).toBe(422);
    expect((await nul.json()).fields).toEqual([
      { field: "name", message: "must not contain control characters" },
    ]);
    expect((await t.agency.pool.query("SELECT 1 FROM operator_sign_in_limits")).rowCount).toBe(0);
  });

  it("when 60 attempts for one name and address arrive at once, then at most the limit are allowed", async () => {
    const answers = await Promise.all(Array.from({ length: 60 }, () => attempt("alice", "203.0.113.5")));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    // At most the pair's limit; fewer when the address's own counter (60 > 20) refused some of them first.
    const allowed = statuses.filter((s) => s === 200).length;
    expect(allowed).toBeGreaterThan(0);
    expect(allowed).toBeLessThanOrEqual(ATTEMPTS_PER_NAME_AND_ADDRESS);
    const refused = answers.find((r) => r.status === 429)!;
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another address, the same name: unaffected.
    expect((await attempt("alice", "198.51.100.5")).status).toBe(200);
  });

  it("when one address tries many names, then it is stopped after its own limit", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < ATTEMPTS_PER_ADDRESS + 3; i++)
      statuses.push((await attempt(`name${i}`, "192.0.2.77")).status);
    expect(statuses.slice(0, ATTEMPTS_PER_ADDRESS).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(ATTEMPTS_PER_ADDRESS)).toEqual([429, 429, 429]);
  });
});

describe("operator sessions", () => {
  it("when a session is opened, then it reads back until it is revoked, and its pair's attempts are forgotten", async () => {
    for (let i = 0; i < ATTEMPTS_PER_NAME_AND_ADDRESS; i++) await attempt("bob", "192.0.2.9");
    expect((await attempt("bob", "192.0.2.9")).status).toBe(429);
    const opened = await t.api("/v1/portal/operator-sessions", {
      method: "POST",
      admin: true,
      json: { operator: "bob", address: "192.0.2.9", ttl_seconds: 3600 },
    });
    expect(opened.status).toBe(201);
    const session = await opened.json();
    expect(session).toMatchObject({ operator: "bob" });
    expect(new Date(session.expires_at).getTime()).toBeGreaterThan(Date.now() + 3500_000);
    expect((await attempt("bob", "192.0.2.9")).status).toBe(200);

    const read = () => t.api(`/v1/portal/operator-sessions/${session.id}`, { admin: true });
    expect((await read()).status).toBe(200);
    const revoked = await t.api(`/v1/portal/operator-sessions/${session.id}`, {
      method: "DELETE",
      admin: true,
    });
    expect(revoked.status).toBe(204);
    expect((await read()).status).toBe(404);
    expect((await t.api("/v1/portal/operator-sessions/not-a-uuid", { admin: true })).status).toBe(404);
  });

  it("when a session's ttl is out of range, then 422 names ttl_seconds", async () => {
    const res = await t.api("/v1/portal/operator-sessions", {
      method: "POST",
      admin: true,
      json: { operator: "bob", address: "192.0.2.9", ttl_seconds: 30 * 86400 },
    });
    expect(res.status).toBe(422);
    expect((await res.json()).fields).toEqual([expect.objectContaining({ field: "ttl_seconds" })]);
  });
});
