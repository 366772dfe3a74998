/**
 * Review gates over real HTTP: real Postgres (checkpoints included), real Redis (BullMQ), the real
 * pipeline with both gates on, local assets and the Postgres outbox. No fakes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StepName } from "@roboagency/agents";
import { anIntake, eventually, startTestAgency, type TestAgency } from "@roboagency/testing/agency";

let t: TestAgency;

beforeAll(async () => {
  t = await startTestAgency({ AGENCY_REVIEW_GATES: "prd_review,campaign_review" });
});
afterAll(async () => {
  await t?.stop();
});

async function runAt(runId: string, status: string, gate?: string) {
  return eventually(async () => {
    const run = await (await t.api(`/v1/runs/${runId}`)).json();
    if (run.status === "failed") throw new Error(`run failed: ${run.error}`);
    if (run.status !== status) return undefined;
    return gate === undefined || run.review?.gate === gate ? run : undefined;
  }, 60_000);
}

const review = (runId: string, json: unknown) =>
  t.api(`/v1/runs/${runId}/review`, { method: "POST", admin: true, json });

async function artifactText(run: { artifacts: Array<{ id: string; name: string }> }, name: string) {
  const asset = run.artifacts.find((a) => a.name === name)!;
  const link = await (await t.api(`/v1/assets/${asset.id}`)).json();
  return (await fetch(link.url)).text();
}

async function submit(email: string): Promise<{ run_id: string; project_id: string }> {
  return (await t.api("/v1/intake", { method: "POST", json: anIntake({ email }) })).json();
}

describe("review gates", () => {
  it("when the PRD is sent back, edited and the campaign edited and approved, then every decision shows in the run and the emails go out as edited", async () => {
    const { run_id: runId, project_id: projectId } = await submit("review@example.com");

    const atPrd = await runAt(runId, "awaiting_review", "prd_review");
    expect(atPrd.review).toMatchObject({ gate: "prd_review", step: "product_doc_writer" });
    expect(atPrd.review.artifacts.map((a: { name: string }) => a.name).sort()).toEqual([
      "positioning.svg",
      "prd.json",
      "prd.md",
    ]);
    for (const a of atPrd.review.artifacts) expect(a.id).toEqual(expect.any(String));
    type Step = { step: StepName; status: string; finished_at: string };
    const steps = (run: { steps: Step[] }) =>
      Object.fromEntries(run.steps.map((s) => [s.step, s])) as Record<StepName, Step>;
    expect(steps(atPrd).wireframer.status).toBe("pending");

    // Send back: the PRD step runs again with the comment, the steps before it do not.
    expect(
      (await review(runId, { decision: "send_back", comment: "Focus on physiotherapy clinics." })).status,
    ).toBe(202);
    const again = await eventually(async () => {
      const run = await runAt(runId, "awaiting_review", "prd_review");
      return run.reviews.length === 2 ? run : undefined;
    });
    expect(steps(again).market_mapper.finished_at).toBe(steps(atPrd).market_mapper.finished_at);
    expect(Date.parse(steps(again).product_doc_writer.finished_at)).toBeGreaterThan(
      Date.parse(steps(atPrd).product_doc_writer.finished_at),
    );
    expect(again.reviews[0]).toMatchObject({
      decision: "send_back",
      comment: "Focus on physiotherapy clinics.",
    });

    // Edit: the new title flows into prd.md and every later step.
    const edited = await review(runId, {
      decision: "edit",
      reviewer: "Grace",
      edits: { prd: { title: "SlotFiller for clinics" } },
    });
    expect(edited.status).toBe(202);
    const atCampaign = await runAt(runId, "awaiting_review", "campaign_review");
    expect(await artifactText(atCampaign, "prd.md")).toContain("SlotFiller for clinics");
    expect(atCampaign.lead_ready_at).toBeNull();
    const { rows: before } = await t.agency.pool.query(
      "SELECT count(*)::int AS n FROM campaign_emails WHERE project_id = $1",
      [projectId],
    );
    expect(before[0].n, "no email is scheduled before the campaign is approved").toBe(0);

    // A link outside the project is refused, naming the field.
    const bad = await review(runId, {
      decision: "edit",
      edits: { emails: [{ step: "demo", html: '<p>See <a href="https://evil.example/x">this</a></p>' }] },
    });
    expect(bad.status).toBe(422);
    expect((await bad.json()).fields[0].field).toBe("edits.emails[0].html");

    expect(
      (
        await review(runId, {
          decision: "edit",
          edits: { emails: [{ step: "demo", subject: "Your demo is ready" }] },
        })
      ).status,
    ).toBe(202);
    const done = await runAt(runId, "completed");
    expect(done.review).toBeNull();
    expect(done.reviews.map((r: { gate: string; decision: string }) => `${r.gate}:${r.decision}`)).toEqual([
      "prd_review:send_back",
      "prd_review:edit",
      "campaign_review:edit",
    ]);
    expect(done.reviews[1].reviewer).toBe("Grace");
    const emails = await eventually(async () => {
      const body = await (await t.api(`/v1/projects/${projectId}/emails`, { admin: true })).json();
      return body.emails.length === 3 && body.emails.every((e: { status: string }) => e.status === "sent")
        ? body.emails
        : undefined;
    });
    expect(emails[0].subject).toBe("Your demo is ready");
  });

  it("when a review is refused, then the status says why: 401 without the token, 422 naming the field, 409 when nothing awaits review", async () => {
    const { run_id: runId } = await submit("refused@example.com");
    await runAt(runId, "awaiting_review", "prd_review");

    expect(
      (await t.api(`/v1/runs/${runId}/review`, { method: "POST", json: { decision: "approve" } })).status,
    ).toBe(401);
    const cases: Array<[unknown, string]> = [
      [{ decision: "maybe" }, "decision"],
      [{ decision: "send_back" }, "comment"],
      [{ decision: "edit" }, "edits"],
      [{ decision: "approve", edits: {} }, "edits"],
      [{ decision: "approve", colour: "blue" }, "colour"],
      [{ decision: "edit", edits: { emails: [] } }, "edits.emails"],
      [{ decision: "edit", edits: { prd: { personas: [] } } }, "edits.prd.personas"],
    ];
    for (const [body, field] of cases) {
      const res = await review(runId, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect((await res.json()).fields.map((f: { field: string }) => f.field)).toContain(field);
    }

    expect((await review(runId, { decision: "approve" })).status).toBe(202);
    // The decision put the run back in line at once; the next gate is several steps away.
    expect((await review(runId, { decision: "approve" })).status).toBe(409);
    await runAt(runId, "awaiting_review", "campaign_review");
    expect((await review(runId, { decision: "approve" })).status).toBe(202);
    await runAt(runId, "completed");
    const late = await review(runId, { decision: "approve" });
    expect(late.status).toBe(409);
    expect((await late.json()).message).toContain("completed");
    expect((await t.api(`/v1/runs/${runId}/retry`, { method: "POST", admin: true })).status).toBe(409);
  });
});
