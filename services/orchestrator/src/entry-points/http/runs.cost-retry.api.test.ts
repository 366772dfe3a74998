/**
 * Cost, budget and re-runs over real HTTP: real Postgres, real Redis (BullMQ), the real pipeline.
 * The drafting model is a test double (MeteredModel below: the offline drafts, plus the usage a
 * provider would report and the budget check a provider-backed model makes), because no LLM
 * vendor is reachable from here.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BudgetExceededError,
  offlineDraftingModel,
  type DraftingModel,
  type DraftRequest,
  type DraftStep,
  type DraftTasks,
  type StepName,
  type UsageRecord,
} from "@roboagency/agents";
import { projectSpend } from "../../data-access/runs.ts";
import { anIntake, eventually, startTestAgency, type TestAgency } from "@roboagency/testing/agency";

class MeteredModel implements DraftingModel {
  readonly id = "test:metered-1";
  readonly offline = false;
  /**
   * Steps whose next call fails: "down" is a permanent error, "503" a transient one, "paid-down"
   * a permanent error after a paid call (as a provider draft that stays invalid after its repairs).
   */
  readonly failures = new Map<DraftStep, "down" | "503" | "paid-down">();
  costPerCall = 0.004;

  async draft<S extends DraftStep>(request: DraftRequest<S>): Promise<DraftTasks[S]["output"]> {
    const failure = this.failures.get(request.step);
    if (failure === "503") {
      this.failures.delete(request.step);
      throw Object.assign(new Error("503 Service Unavailable"), { status: 503 });
    }
    if (failure === "down") throw new Error(`the model is down for ${request.step}`);
    if (failure === "paid-down") {
      request.onUsage?.(this.usage(request.step));
      throw new Error(`the model's draft for ${request.step} stayed invalid`);
    }
    const budget = request.budget;
    if (budget && budget.spentUsd + this.costPerCall > budget.limitUsd) {
      // As a provider-backed model does after a paid call that left no room for the draft: the
      // call's usage is reported, then the stop.
      request.onUsage?.({ ...this.usage(request.step), costUsd: 0.001 });
      throw new BudgetExceededError(
        budget.limitUsd,
        budget.spentUsd,
        request.step,
        "the next call would go over",
      );
    }
    const draft = await offlineDraftingModel.draft(request);
    request.onUsage?.(this.usage(request.step));
    return draft;
  }

  private usage(step: DraftStep): UsageRecord {
    return {
      step,
      provider: "test",
      model: "metered-1",
      inputTokens: 1200,
      outputTokens: 300,
      costUsd: this.costPerCall,
    };
  }
}

let t: TestAgency;
const model = new MeteredModel();
/** Provider calls in one clean run, as the first test measures it. */
let callsPerRun = 0;
const calls = (run: { cost: { by_step: Array<{ calls: number }> } }) =>
  run.cost.by_step.reduce((n, s) => n + s.calls, 0);

beforeAll(async () => {
  t = await startTestAgency({ AGENCY_PROJECT_BUDGET_USD: "0.035" });
  t.agency.draftingModel = async () => model;
});
afterAll(async () => {
  await t?.stop();
});

async function runUntil(runId: string, statuses: string[], timeoutMs = 60_000) {
  return eventually(async () => {
    const run = await (await t.api(`/v1/runs/${runId}`)).json();
    return statuses.includes(run.status) ? run : undefined;
  }, timeoutMs);
}

async function submit(email: string): Promise<{ run_id: string; project_id: string; events_url: string }> {
  return (await t.api("/v1/intake", { method: "POST", json: anIntake({ email }) })).json();
}

type Step = { step: string; status: string; started_at: string; finished_at: string; error: string | null };
const byStep = (run: { steps: Step[] }) =>
  Object.fromEntries(run.steps.map((s) => [s.step, s])) as Record<StepName, Step>;

describe("cost", () => {
  it("when a provider reports usage, then tokens and cost show per step in the run, in the project and in /metrics", async () => {
    model.costPerCall = 0.004;
    const { run_id: runId, project_id: projectId } = await submit("cost@example.com");
    const run = await runUntil(runId, ["completed", "failed", "budget_exceeded"]);
    expect(run.status).toBe("completed");
    callsPerRun = calls(run);
    expect(callsPerRun).toBeGreaterThanOrEqual(7);
    expect(run.cost.total_usd).toBeCloseTo(callsPerRun * 0.004, 6);
    expect(run.cost.input_tokens).toBe(callsPerRun * 1200);
    expect(run.cost.output_tokens).toBe(callsPerRun * 300);
    for (const row of run.cost.by_step) expect(row).toMatchObject({ provider: "test", model: "metered-1" });
    expect(run.cost.by_step[0]).toMatchObject({
      step: "intake_parser",
      provider: "test",
      model: "metered-1",
      calls: 1,
      input_tokens: 1200,
      cost_usd: 0.004,
    });
    const project = await (await t.api(`/v1/projects/${projectId}`, { admin: true })).json();
    expect(project.cost.total_usd).toBeCloseTo(callsPerRun * 0.004, 6);

    const metrics = await (await t.api("/metrics")).text();
    expect(metrics).toMatch(
      /agency_llm_tokens_total\{step="intake_parser",provider="test",model="metered-1",kind="input"[^}]*\} \d+/,
    );
    expect(metrics).toMatch(
      /agency_llm_cost_usd_total\{step="market_mapper",provider="test",model="metered-1"[^}]*\} /,
    );
  });

  it("when a call would go over the project budget, then the run stops as budget_exceeded at that step, and a retry with a larger budget resumes there", async () => {
    model.costPerCall = 0.01;
    const { run_id: runId, events_url: eventsUrl } = await submit("budget@example.com");
    const events = t.api(eventsUrl).then((res) => res.text());
    const stopped = await runUntil(runId, ["completed", "failed", "budget_exceeded"]);
    expect(stopped.status).toBe("budget_exceeded");
    expect(stopped.error).toMatch(/^wireframer: budget exceeded/);
    const steps = byStep(stopped);
    expect(steps.wireframer.status).toBe("failed");
    expect(steps.wireframer.error).toContain("budget exceeded");
    expect(steps.prototyper.status).toBe("pending");
    // Three drafts and the paid call of the stopped step, which the error reported.
    expect(stopped.cost.total_usd).toBeCloseTo(0.031, 6);
    expect(stopped.attempts, "a budget stop is not retried by the queue").toBe(1);
    const stream = await events;
    expect(stream).toMatch(/event: end\ndata: \{"status":"budget_exceeded"\}/);
    expect(await (await t.api("/metrics")).text()).toMatch(
      /agency_pipeline_runs_total\{status="budget_exceeded"[^}]*\} 1/,
    );

    t.agency.config.projectBudgetUsd = 1;
    try {
      const retried = await t.api(`/v1/runs/${runId}/retry`, { method: "POST", admin: true });
      expect(retried.status).toBe(202);
      const done = await runUntil(runId, ["completed", "failed", "budget_exceeded"]);
      expect(done.status).toBe("completed");
      const after = byStep(done);
      for (const step of ["intake_parser", "market_mapper", "product_doc_writer"] as const) {
        expect(after[step].finished_at, step).toBe(steps[step].finished_at);
      }
      // Three drafts and one stopped call before the stop, the rest after it: nothing drafted twice.
      expect(calls(done)).toBe(callsPerRun + 1);
    } finally {
      t.agency.config.projectBudgetUsd = 0.035;
    }
  });
});

describe("failures and re-runs", () => {
  it("when a provider answers 503 once, then the node retries and the run completes in its first attempt", async () => {
    model.costPerCall = 0;
    model.failures.set("market_mapper", "503");
    const { run_id: runId } = await submit("flaky@example.com");
    const run = await runUntil(runId, ["completed", "failed"]);
    expect(run.status).toBe("completed");
    expect(run.attempts).toBe(1);
  });

  it("when a step keeps failing, then the run fails naming it, and POST /retry re-runs it without re-running the steps before", async () => {
    model.costPerCall = 0;
    model.failures.set("explainer_producer", "down");
    try {
      const { run_id: runId } = await submit("rerun@example.com");
      const failed = await runUntil(runId, ["failed", "completed"], 60_000);
      expect(failed.status).toBe("failed");
      expect(failed.error).toMatch(/^explainer_producer: /);
      expect(failed.error).toContain("the model is down");
      const steps = byStep(failed);
      expect(steps.explainer_producer.status).toBe("failed");
      expect(steps.campaign_composer.status).toBe("pending");

      model.failures.delete("explainer_producer");
      const retried = await t.api(`/v1/runs/${runId}/retry`, { method: "POST", admin: true });
      expect(retried.status).toBe(202);
      const done = await runUntil(runId, ["completed", "failed"]);
      expect(done.status).toBe("completed");
      const after = byStep(done);
      for (const step of [
        "intake_parser",
        "market_mapper",
        "product_doc_writer",
        "wireframer",
        "prototyper",
      ] as const) {
        expect(after[step].finished_at, step).toBe(steps[step].finished_at);
      }
      expect(Date.parse(after.explainer_producer.finished_at)).toBeGreaterThan(
        Date.parse(steps.explainer_producer.finished_at),
      );
      expect(after.explainer_producer.error).toBeNull();
    } finally {
      model.failures.clear();
    }
  });

  it("when a step fails after paid calls, then they are recorded and count against the project's budget", async () => {
    model.costPerCall = 0.002;
    model.failures.set("indication_okrs", "paid-down");
    try {
      const { run_id: runId, project_id: projectId } = await submit("paidfail@example.com");
      const failed = await runUntil(runId, ["failed", "completed"], 60_000);
      expect(failed.status).toBe("failed");
      const { rows } = await t.agency.pool.query(
        "SELECT count(*)::int AS n, sum(cost_usd)::float8 AS usd FROM run_usage WHERE run_id = $1 AND step = 'indication_okrs' AND NOT from_checkpoint",
        [runId],
      );
      // One paid call per queue attempt of the run, each recorded once.
      expect(rows[0].n).toBe(failed.attempts);
      expect(rows[0].usd).toBeCloseTo(0.002 * failed.attempts, 6);
      const okrs = failed.cost.by_step.find((s: { step: string }) => s.step === "indication_okrs");
      expect(okrs?.calls).toBe(failed.attempts);
      expect(await projectSpend(t.agency.pool, projectId, runId)).toBeCloseTo(0.002 * failed.attempts, 6);
    } finally {
      model.failures.clear();
      model.costPerCall = 0.004;
    }
  });

  it("when a run is not failed, then POST /retry answers 409; an unknown run 404; without the token 401", async () => {
    const { run_id: runId } = await submit("noretry@example.com");
    await runUntil(runId, ["completed"]);
    expect((await t.api(`/v1/runs/${runId}/retry`, { method: "POST", admin: true })).status).toBe(409);
    expect(
      (await t.api(`/v1/runs/00000000-0000-4000-8000-000000000000/retry`, { method: "POST", admin: true }))
        .status,
    ).toBe(404);
    expect((await t.api(`/v1/runs/${runId}/retry`, { method: "POST" })).status).toBe(401);
  });
});
