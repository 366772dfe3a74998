/**
 * Inputs Postgres cannot store (NUL, unpaired surrogates), malformed paths and random requests,
 * over real HTTP against a real agency: each is a 4xx naming what is wrong, never a 500, and a
 * refused request writes nothing. The property-based part (fast-check) covers the body, path and
 * query of every public and operator endpoint.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedHeaders } from "../../business-logic/signing.ts";
import { anIntake, eventually, startTestAgency, type TestAgency } from "@roboagency/testing/agency";

let t: TestAgency;
let ids: { run: string; project: string; lead: string };

beforeAll(async () => {
  t = await startTestAgency({}, { worker: false });
  const accepted = await (await t.api("/v1/intake", { method: "POST", json: anIntake() })).json();
  ids = { run: accepted.run_id, project: accepted.project_id, lead: accepted.lead_id };
});
afterAll(async () => {
  await t?.stop();
});

/** Rows in every table of the agency's own data; the limiter's counters are not data. */
async function rowCounts(agency: TestAgency = t): Promise<Record<string, number>> {
  const { rows: tables } = await agency.agency.pool.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
       AND table_name NOT IN ('rate_limits', 'schema_migrations') ORDER BY 1`,
  );
  const { rows } = await agency.agency.pool.query(
    `SELECT ${tables.map((r) => `(SELECT count(*) FROM "${r.name}")::int AS "${r.name}"`).join(", ")}`,
  );
  return rows[0];
}

describe("inputs Postgres cannot store", () => {
  const fields = ["email", "name", "company", "sector", "idea", "goals", "budget", "timeline"];

  for (const field of fields) {
    it(`when the intake's ${field} holds NUL, then 422 names ${field} and nothing is written`, async () => {
      const before = await rowCounts();
      const value = `${(anIntake() as Record<string, string>)[field]}\u0000`;
      const res = await t.api("/v1/intake", { method: "POST", json: anIntake({ [field]: value }) });
      expect(res.status).toBe(422);
      expect((await res.json()).fields.map((f: { field: string }) => f.field)).toEqual([field]);
      expect(await rowCounts()).toEqual(before);
    });
  }

  it("when the idea holds an unpaired surrogate, then 422 names idea", async () => {
    const res = await t.api("/v1/intake", {
      method: "POST",
      json: anIntake({ idea: `${anIntake().idea} \ud800 and more` }),
    });
    expect(res.status).toBe(422);
    expect((await res.json()).fields[0].field).toBe("idea");
  });

  it("when a query parameter holds NUL, then 422 names the parameter", async () => {
    for (const path of [
      "/v1/leads?email=a%00b",
      "/v1/outbox?to=%00",
      "/v1/portal/projects?email=a%00@b.example",
    ]) {
      const res = await t.api(path, { admin: true });
      expect(res.status, path).toBe(422);
      expect((await res.json()).fields[0].field, path).toMatch(/^(email|to)$/);
    }
  });

  it("when a portal file name holds NUL, then 4xx names the path", async () => {
    const res = await t.api(`/v1/portal/runs/${ids.run}/files/docs%00/prd.md`, { admin: true });
    expect(res.status).toBe(422);
    expect((await res.json()).fields[0].field).toBe("path");
  });

  it("when a path holds a malformed %-escape, then 400 names the path and it is not an internal error", async () => {
    for (const path of [
      "/v1/runs/%ff",
      "/v1/runs/%E0%A4%A",
      "/v1/assets/%",
      `/v1/portal/runs/${ids.run}/files/%c0`,
    ]) {
      const res = await t.api(path, { admin: true });
      expect(res.status, path).toBe(400);
      expect(await res.json(), path).toMatchObject({
        error: "malformed_path",
        fields: [{ field: "path" }],
      });
    }
  });

  it("when a signed webhook's body holds NUL, then 422 names the field and nothing is recorded", async () => {
    const before = await rowCounts();
    const body = JSON.stringify({ note: "a\u0000b" });
    const res = await t.api("/v1/webhooks/agent/step_completed", {
      method: "POST",
      body,
      headers: signedHeaders(t.agency.config.secretKey, body, Date.now(), "step_completed"),
    });
    expect(res.status).toBe(422);
    expect((await res.json()).fields[0].field).toBe("note");
    expect(await rowCounts()).toEqual(before);
  });
});

describe("review comments and edits that Postgres cannot store", () => {
  let r: TestAgency;
  let runId: string;
  beforeAll(async () => {
    r = await startTestAgency({ AGENCY_REVIEW_GATES: "prd_review" });
    runId = (await (await r.api("/v1/intake", { method: "POST", json: anIntake() })).json()).run_id;
    await eventually(async () => {
      const run = await (await r.api(`/v1/runs/${runId}`)).json();
      return run.status === "awaiting_review" ? run : undefined;
    }, 60_000);
  });
  afterAll(async () => {
    await r?.stop();
  });

  it("when a review's comment or edit holds NUL, then 422 names it and the run still awaits review", async () => {
    const bodies: Array<[unknown, string]> = [
      [{ decision: "approve", comment: "fine\u0000" }, "comment"],
      [{ decision: "edit", edits: { prd_markdown: "# PRD\u0000" } }, "edits.prd_markdown"],
      [{ decision: "approve", reviewer: "\ud800ops" }, "reviewer"],
    ];
    for (const [json, field] of bodies) {
      const res = await r.api(`/v1/runs/${runId}/review`, { method: "POST", json, admin: true });
      expect(res.status, field).toBe(422);
      expect((await res.json()).fields[0].field).toBe(field);
    }
    expect((await (await r.api(`/v1/runs/${runId}`)).json()).status).toBe("awaiting_review");
  });
});

// ---------------------------------------------------------------------------------------------
// Property-based: random bodies, paths and queries against every endpoint.

type Endpoint = {
  method: "GET" | "POST";
  path: string;
  operator?: boolean;
  body?: boolean;
  signed?: boolean;
};

/** Every public and operator endpoint; `:x` is a path parameter, `*x` a rest of the path. */
const ENDPOINTS: Endpoint[] = [
  { method: "POST", path: "/v1/intake", body: true },
  { method: "GET", path: "/v1/sectors" },
  { method: "GET", path: "/v1/runs/:run" },
  { method: "GET", path: "/v1/runs/:run/events" },
  { method: "GET", path: "/v1/assets/:asset" },
  { method: "GET", path: "/v1/assets/local/*key" },
  { method: "POST", path: "/v1/unsubscribe", body: true },
  { method: "POST", path: "/v1/webhooks/agent/:event", body: true, signed: true },
  { method: "POST", path: "/webhooks/cms/publish", body: true, signed: true },
  { method: "POST", path: "/v1/webhooks/alertmanager", body: true, operator: true },
  { method: "GET", path: "/v1/leads", operator: true },
  { method: "GET", path: "/v1/runs", operator: true },
  { method: "GET", path: "/v1/projects/:project", operator: true },
  { method: "GET", path: "/v1/projects/:project/emails", operator: true },
  { method: "GET", path: "/v1/outbox", operator: true },
  { method: "POST", path: "/v1/workflows/:project", body: true, operator: true },
  { method: "POST", path: "/v1/campaigns/:campaign/emails/:step/send", operator: true },
  { method: "POST", path: "/v1/runs/:run/review", body: true, operator: true },
  { method: "POST", path: "/v1/runs/:run/retry", operator: true },
  { method: "POST", path: "/v1/content", body: true, operator: true },
  { method: "GET", path: "/v1/content/:content", operator: true },
  { method: "POST", path: "/v1/content/:content/newsletter/send", operator: true },
  { method: "POST", path: "/v1/content/posts/dispatch", operator: true },
  { method: "POST", path: "/v1/portal/magic-links", body: true, operator: true },
  { method: "POST", path: "/v1/portal/sessions", body: true, operator: true },
  { method: "GET", path: "/v1/portal/projects", operator: true },
  { method: "GET", path: "/v1/portal/projects/:project", operator: true },
  { method: "GET", path: "/v1/portal/runs/:run/files/*name", operator: true },
  { method: "GET", path: "/health" },
  { method: "GET", path: "/metrics" },
];

/** Strings that have hurt before: NUL, unpaired surrogates, broken escapes, CR/LF, traversal. */
const nasty = fc.constantFrom(
  "\u0000",
  "\ud800",
  "\udfff",
  "\r\nBcc: x@evil.test",
  "%",
  "%ff",
  "%00",
  "%E0%A4%A",
  "..",
  "%2e%2e%2f",
  "'; DROP TABLE leads; --",
  "\u202e",
  "😀",
);
const text = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  nasty,
  fc.tuple(fc.string(), nasty).map((p) => p.join("")),
);

/** A path segment as sent on the wire: real ids, random text %-encoded, or raw escapes. */
const segment = (real: string[]) =>
  fc.oneof(
    fc.constantFrom(...real),
    fc.uuid(),
    text.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, "x"))),
    fc.constantFrom("%ff", "%00", "%", "%E0%A4%A", "%c0%af", "a%2fb", "..%2f..%2f"),
  );

const queryPart = fc
  .array(
    fc.tuple(
      fc.constantFrom("limit", "offset", "status", "email", "to", "expires", "sig", "token", "project", "x"),
      fc.oneof(
        text.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, "x"))),
        fc.constantFrom("%00", "%ff", "-1", "1e9", "[]"),
      ),
    ),
    { maxLength: 3 },
  )
  .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join("&")}` : ""));

/** JSON bodies near what each endpoint expects, with nasty values, and plain random JSON. */
const jsonBody = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc
    .record({
      field: fc.constantFrom(
        "email",
        "name",
        "company",
        "idea",
        "goals",
        "decision",
        "comment",
        "reviewer",
        "token",
        "project_id",
        "workflow",
        "redirect",
        "groupKey",
        "content",
        "slug",
      ),
      value: fc.oneof(text, fc.jsonValue({ maxDepth: 2 })),
    })
    .map(({ field, value }) => ({ ...anIntake(), decision: "approve", [field]: value })),
);
const rawBody = fc.oneof(
  jsonBody.map((b) => JSON.stringify(b)),
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.constantFrom('{"email":', "[", '{"a":"\\u0000"}', '{"a":"\\ud800"}', "\u0000", '{"__proto__":{"x":1}}'),
);

const request = fc.record({
  endpoint: fc.constantFrom(...ENDPOINTS),
  params: fc.array(segment(["x"]), { minLength: 3, maxLength: 3 }),
  rest: fc.array(segment(["docs", "prd.md", "wireframes"]), { minLength: 1, maxLength: 3 }),
  query: queryPart,
  body: rawBody,
  contentType: fc.constantFrom(
    "application/json",
    "application/json",
    "text/plain",
    "application/x-www-form-urlencoded",
  ),
  asOperator: fc.boolean(),
  sign: fc.boolean(),
  useRealIds: fc.boolean(),
});

describe("every endpoint under random input (fast-check)", () => {
  it("when any body, path or query is sent, then the answer is never a 5xx and a refused request writes nothing", async () => {
    const real: Record<string, string> = {
      run: ids.run,
      project: ids.project,
      asset: ids.run,
      campaign: ids.project,
      content: ids.project,
      event: "step_completed",
      step: "demo",
    };
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        let i = 0;
        const path = r.endpoint.path
          .replace(/:(\w+)/g, (_m, name: string) =>
            r.useRealIds && real[name] ? real[name]! : r.params[i++]!,
          )
          .replace(/\*\w+/, () => r.rest.join("/"));
        const headers: Record<string, string> = {};
        if (r.endpoint.body) headers["content-type"] = r.contentType;
        if (r.endpoint.signed && r.sign)
          Object.assign(headers, signedHeaders(t.agency.config.secretKey, r.body));
        if (r.endpoint.signed && r.sign) headers["content-type"] = r.contentType;
        const before = await rowCounts();
        const res = await t.api(`${path}${r.query}`, {
          method: r.endpoint.method,
          headers,
          body: r.endpoint.body ? r.body : undefined,
          admin: r.endpoint.operator ? r.asOperator || r.useRealIds : false,
          signal: AbortSignal.timeout(10_000),
        });
        // An event stream stays open; its status line is the answer.
        await res.body?.cancel();
        const where = `${r.endpoint.method} ${path}${r.query} → ${res.status}`;
        expect(res.status, where).toBeLessThan(500);
        if (res.status >= 400) expect(await rowCounts(), where).toEqual(before);
      }),
      { numRuns: 300, seed: Number(process.env.FUZZ_SEED) || undefined },
    );
  }, 120_000);
});
