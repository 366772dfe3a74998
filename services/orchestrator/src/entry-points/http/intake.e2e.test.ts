/**
 * End to end over real HTTP: real Postgres, real Redis (BullMQ), the real pipeline, local
 * assets and the Postgres outbox. No fakes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STEP_NAMES } from "@roboagency/agents";
import { unsubscribeToken } from "../../business-logic/subscriptions.ts";
import { anIntake, eventually, startTestAgency, type TestAgency } from "@roboagency/testing/agency";
import { keysOf } from "../../business-logic/keys.ts";

let t: TestAgency;

beforeAll(async () => {
  t = await startTestAgency({}, { video: true });
});
afterAll(async () => {
  await t?.stop();
});

async function counts() {
  const { rows } = await t.agency.pool.query(
    `SELECT (SELECT count(*) FROM leads)::int AS leads, (SELECT count(*) FROM projects)::int AS projects,
            (SELECT count(*) FROM workflow_runs)::int AS runs, (SELECT count(*) FROM idempotency_keys)::int AS keys`,
  );
  return rows[0] as { leads: number; projects: number; runs: number; keys: number };
}

async function completedRun(runId: string) {
  return eventually(async () => {
    const run = await (await t.api(`/v1/runs/${runId}`)).json();
    if (run.status === "failed") throw new Error(`run failed: ${run.error}`);
    return run.status === "completed" ? run : undefined;
  }, 60_000);
}

describe("POST /v1/intake, end to end", () => {
  it("when an intake is submitted, then all eight steps complete, every artifact is fetchable and three emails reach the outbox", async () => {
    const res = await t.api("/v1/intake", { method: "POST", json: anIntake() });
    expect(res.status).toBe(202);
    const accepted = await res.json();
    expect(accepted).toMatchObject({ status: "queued", status_url: `/v1/runs/${accepted.run_id}` });
    expect(res.headers.get("location")).toBe(accepted.status_url);

    const run = await completedRun(accepted.run_id);
    expect(run.steps.map((s: { step: string }) => s.step)).toEqual([...STEP_NAMES]);
    for (const step of run.steps) {
      expect(step.status).toBe("completed");
      expect(Date.parse(step.finished_at)).toBeGreaterThanOrEqual(Date.parse(step.started_at));
    }
    for (const step of STEP_NAMES) {
      expect(
        run.artifacts.some((a: { step: string }) => a.step === step),
        `artifact of ${step}`,
      ).toBe(true);
    }
    expect(run.lead_ready_at).not.toBeNull();
    // The quality report is part of the status: gates per artifact, each with a rubric score.
    expect(run.quality).toMatchObject({ passed: true, gatesTotal: expect.any(Number) });
    expect(run.quality.gatesPassed).toBe(run.quality.gatesTotal);
    expect(run.quality.artifacts.length).toBeGreaterThanOrEqual(8);
    // ffmpeg and espeak-ng are installed for the tests, so the explainer comes as a narrated MP4.
    expect(run.artifacts.some((a: { content_type: string }) => a.content_type === "video/mp4")).toBe(true);

    for (const artifact of run.artifacts) {
      const link = await (await t.api(`/v1/assets/${artifact.id}`)).json();
      expect(link.expires_in).toBeLessThanOrEqual(300);
      const file = await fetch(link.url);
      expect(file.status, artifact.name).toBe(200);
      expect(file.headers.get("content-type")).toContain(artifact.content_type.split(";")[0]);
      expect((await file.arrayBuffer()).byteLength).toBe(artifact.size_bytes);
    }

    const emails = await eventually(async () => {
      const body = await (await t.api(`/v1/projects/${accepted.project_id}/emails`, { admin: true })).json();
      return body.emails.every((e: { status: string }) => e.status === "sent") ? body.emails : undefined;
    });
    expect(emails.map((e: { step: string }) => e.step)).toEqual(["demo", "prototype", "calendar"]);
    for (const email of emails) {
      expect(email.subject.length).toBeGreaterThan(0);
      expect(email.provider).toBe("outbox");
      expect(email.sent_at).not.toBeNull();
    }
    const outbox = await (await t.api(`/v1/outbox?to=ada@example.com`, { admin: true })).json();
    expect(outbox.messages).toHaveLength(3);
    // Each links to unsubscribe with the lead's signed token, never with the (public) project id.
    const token = unsubscribeToken(keysOf(t.agency.config).signing("unsubscribe"), accepted.lead_id);
    for (const m of outbox.messages) {
      expect(m.text).toContain(`/unsubscribe?token=${token}`);
      expect(m.html).toContain(`/unsubscribe?token=${token}`);
      expect(m.text).not.toContain("unsubscribe?project=");
    }
  });

  it("when the lead has unsubscribed, then the warm-up emails are suppressed and none is sent", async () => {
    const first = await (
      await t.api("/v1/intake", { method: "POST", json: anIntake({ email: "gone@example.com" }) })
    ).json();
    const token = unsubscribeToken(keysOf(t.agency.config).signing("unsubscribe"), first.lead_id);
    expect((await t.api("/v1/unsubscribe", { method: "POST", json: { token } })).status).toBe(200);
    const again = await (
      await t.api("/v1/intake", { method: "POST", json: anIntake({ email: "gone@example.com" }) })
    ).json();
    await completedRun(again.run_id);
    const emails = await eventually(async () => {
      const body = await (await t.api(`/v1/projects/${again.project_id}/emails`, { admin: true })).json();
      return body.emails.length === 3 &&
        body.emails.every((e: { status: string }) => e.status !== "scheduled")
        ? body.emails
        : undefined;
    });
    expect(emails.map((e: { status: string }) => e.status)).toEqual([
      "suppressed",
      "suppressed",
      "suppressed",
    ]);
    const outbox = await (await t.api(`/v1/outbox?to=gone@example.com`, { admin: true })).json();
    expect(outbox.messages).toHaveLength(0);
  });

  it("when a signed asset link is tampered with or expired, then it is refused with 403", async () => {
    const { rows } = await t.agency.pool.query("SELECT id FROM assets LIMIT 1");
    const link = await (await t.api(`/v1/assets/${rows[0].id}`)).json();
    const tampered = new URL(link.url);
    tampered.searchParams.set("sig", "0".repeat(64));
    expect((await fetch(tampered)).status).toBe(403);
    const expired = new URL(link.url);
    expired.searchParams.set("expires", "1000");
    expect((await fetch(expired)).status).toBe(403);
  });

  it("when the run is followed over server-sent events, then it streams progress and ends with completed", async () => {
    const accepted = await (
      await t.api("/v1/intake", { method: "POST", json: anIntake({ email: "sse@example.com" }) })
    ).json();
    const res = await t.api(accepted.events_url);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const text = await res.text();
    const events = text.split("\n\n").filter((chunk) => chunk.startsWith("event:"));
    expect(events.length).toBeGreaterThan(1);
    expect(events.at(-1)).toContain('"status":"completed"');
    expect(events.at(-1)).toMatch(/^event: end/);
  });

  it("when the same intake is submitted twice with one Idempotency-Key, then one lead and one run exist", async () => {
    const before = await counts();
    const body = anIntake({ email: "twice@example.com" });
    const headers = { "idempotency-key": "submit-twice-1" };
    const [first, second] = await Promise.all([
      t.api("/v1/intake", { method: "POST", json: body, headers }),
      t.api("/v1/intake", { method: "POST", json: body, headers }),
    ]);
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(await second.json()).toEqual(await first.json());
    const after = await counts();
    expect(after.leads - before.leads).toBe(1);
    expect(after.runs - before.runs).toBe(1);
  });

  it("when an Idempotency-Key is reused with another body, then 422 names the header and nothing is written", async () => {
    await t.api("/v1/intake", {
      method: "POST",
      json: anIntake(),
      headers: { "idempotency-key": "reuse-1" },
    });
    const before = await counts();
    const res = await t.api("/v1/intake", {
      method: "POST",
      json: anIntake({ idea: "Something else entirely: a marketplace for used lab equipment." }),
      headers: { "idempotency-key": "reuse-1" },
    });
    expect(res.status).toBe(422);
    expect((await res.json()).fields).toEqual([expect.objectContaining({ field: "Idempotency-Key" })]);
    expect(await counts()).toEqual(before);
  });
});

describe("POST /v1/intake, header injection", () => {
  it("when a name or company holds CR/LF, then the lead keeps them on one line", async () => {
    const res = await t.api("/v1/intake", {
      method: "POST",
      json: anIntake({
        email: "crlf@example.com",
        name: "Eve\r\nBcc: x@evil.test",
        company: "Acme\r\nBcc: x@evil.test",
      }),
    });
    expect(res.status).toBe(202);
    const { rows } = await t.agency.pool.query("SELECT name, company FROM leads WHERE email = $1", [
      "crlf@example.com",
    ]);
    expect(rows).toEqual([{ name: "Eve Bcc: x@evil.test", company: "Acme Bcc: x@evil.test" }]);
  });
});

describe("POST /v1/intake, bad input", () => {
  const json = (body: unknown) => ({ body: JSON.stringify(body), type: "application/json" });
  const cases: Array<{ when: string; body: string; type: string; status: number; field: string }> = [
    { when: "the email is missing", ...json(anIntake({ email: undefined })), status: 422, field: "email" },
    {
      when: "the email is malformed",
      ...json(anIntake({ email: "not-an-email" })),
      status: 422,
      field: "email",
    },
    {
      when: "the sector is unknown",
      ...json(anIntake({ sector: "astrology" })),
      status: 422,
      field: "sector",
    },
    { when: "the idea is missing", ...json(anIntake({ idea: undefined })), status: 422, field: "idea" },
    {
      when: "the idea is over the limit",
      ...json(anIntake({ idea: "x".repeat(4001) })),
      status: 422,
      field: "idea",
    },
    { when: "a field is unknown", ...json(anIntake({ colour: "blue" })), status: 422, field: "colour" },
    {
      when: "a field has the wrong type",
      ...json(anIntake({ budget: 20000 })),
      status: 422,
      field: "budget",
    },
    { when: "the body is an array", ...json([anIntake()]), status: 422, field: "body" },
    {
      when: "the content type is not JSON",
      body: "email=a@b.c",
      type: "application/x-www-form-urlencoded",
      status: 415,
      field: "Content-Type",
    },
    {
      when: "the JSON is broken",
      body: '{"email": "a@b.c",',
      type: "application/json",
      status: 400,
      field: "body",
    },
    {
      when: "the body is over the size limit",
      ...json(anIntake({ goals: "g".repeat(70_000) })),
      status: 413,
      field: "body",
    },
  ];

  for (const c of cases) {
    it(`when ${c.when}, then ${c.status} names ${c.field} and nothing is written`, async () => {
      const before = await counts();
      const res = await t.api("/v1/intake", {
        method: "POST",
        body: c.body,
        headers: { "content-type": c.type },
      });
      expect(res.status).toBe(c.status);
      const body = await res.json();
      expect(body.fields.map((f: { field: string }) => f.field)).toContain(c.field);
      expect(body.message).toEqual(expect.any(String));
      expect(await counts()).toEqual(before);
    });
  }
});
