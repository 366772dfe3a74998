/**
 * Retention against real runs: a real agency (real Postgres and Redis, the real pipeline with
 * the offline drafts) runs three projects to three ends (completed, awaiting_review, failed),
 * then the retention round runs as if a week had passed. The drafting model is a test double
 * (the offline drafts, or a permanent error for one step) because no LLM vendor is reachable.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  offlineDraftingModel,
  type DraftingModel,
  type DraftRequest,
  type DraftStep,
  type DraftTasks,
} from "@roboagency/agents";
import { anIntake, eventually, startTestAgency, type TestAgency } from "@roboagency/testing/agency";
import { runRetention } from "./retention.ts";

class SwitchableModel implements DraftingModel {
  readonly id = "test:switchable";
  readonly offline = false;
  failing?: DraftStep;
  async draft<S extends DraftStep>(request: DraftRequest<S>): Promise<DraftTasks[S]["output"]> {
    if (request.step === this.failing) throw new Error(`the model is down for ${request.step}`);
    return offlineDraftingModel.draft(request);
  }
}

let t: TestAgency;
const model = new SwitchableModel();
const DAY = 86_400_000;

beforeAll(async () => {
  t = await startTestAgency({ AGENCY_REVIEW_GATES: "campaign_review" });
  t.agency.draftingModel = async () => model;
}, 60_000);
afterAll(async () => {
  await t?.stop();
});

async function runUntil(runId: string, statuses: string[]) {
  return eventually(async () => {
    const run = await (await t.api(`/v1/runs/${runId}`)).json();
    return statuses.includes(run.status) ? run : undefined;
  }, 90_000);
}

async function submit(email: string): Promise<string> {
  const res = await t.api("/v1/intake", { method: "POST", json: anIntake({ email }) });
  expect(res.status).toBe(202);
  return (await res.json()).run_id;
}

/** Rows of each checkpoint table for one run (thread id = run id). */
async function checkpointRows(runId: string) {
  const q = async (table: string) =>
    Number(
      (await t.agency.pool.query(`SELECT count(*) FROM langgraph.${table} WHERE thread_id = $1`, [runId]))
        .rows[0].count,
    );
  return {
    checkpoints: await q("checkpoints"),
    blobs: await q("checkpoint_blobs"),
    writes: await q("checkpoint_writes"),
  };
}

describe("retention", () => {
  it("when a week has passed, then completed runs keep only their last checkpoint and failed or waiting runs keep what retry and resume need", async () => {
    const completed = await submit("done@example.com");
    await runUntil(completed, ["awaiting_review"]);
    const approve = (id: string) =>
      t.api(`/v1/runs/${id}/review`, { method: "POST", admin: true, json: { decision: "approve" } });
    expect((await approve(completed)).status).toBe(202);
    await runUntil(completed, ["completed"]);

    const waiting = await submit("waiting@example.com");
    await runUntil(waiting, ["awaiting_review"]);

    model.failing = "wireframer";
    const failed = await submit("failed@example.com");
    const failedRun = await runUntil(failed, ["failed", "completed"]);
    expect(failedRun.status).toBe("failed");
    model.failing = undefined;

    const before = {
      completed: await checkpointRows(completed),
      waiting: await checkpointRows(waiting),
      failed: await checkpointRows(failed),
    };
    expect(before.completed.checkpoints).toBeGreaterThan(5);
    const finalState = (
      await (await t.agency.pipeline()).getState({ configurable: { thread_id: completed } })
    ).values;

    // Too early: nothing of the runs goes.
    const early = await runRetention(t.agency, new Date(Date.now() + 6 * DAY));
    expect(early?.runs_pruned).toBe(0);
    expect(await checkpointRows(completed)).toEqual(before.completed);

    const counts = await runRetention(t.agency, new Date(Date.now() + 8 * DAY));
    expect(counts?.runs_pruned).toBe(1);
    const after = await checkpointRows(completed);
    expect(after.checkpoints).toBe(1);
    expect(after.blobs).toBeLessThan(before.completed.blobs);
    // The last checkpoint still reads back whole: the final state, every artifact in it.
    const kept = (await (await t.agency.pipeline()).getState({ configurable: { thread_id: completed } }))
      .values;
    expect(JSON.stringify(kept)).toBe(JSON.stringify(finalState));
    expect(await checkpointRows(waiting)).toEqual(before.waiting);
    expect(await checkpointRows(failed)).toEqual(before.failed);

    // What was kept is enough: the waiting run resumes at its gate, the failed one at its step.
    expect((await approve(waiting)).status).toBe(202);
    expect((await runUntil(waiting, ["completed", "failed"])).status).toBe("completed");
    expect((await t.api(`/v1/runs/${failed}/retry`, { method: "POST", admin: true })).status).toBe(202);
    await runUntil(failed, ["awaiting_review"]);
    expect((await approve(failed)).status).toBe(202);
    const retried = await runUntil(failed, ["completed", "failed"]);
    expect(retried.status).toBe("completed");
    // Resumed at the failed step: the steps before it were not run again.
    const finishedAt = (run: { steps: Array<{ step: string; finished_at: string }> }) =>
      run.steps.find((s) => s.step === "market_mapper")!.finished_at;
    expect(finishedAt(retried)).toBe(finishedAt(failedRun));

    // The next round prunes the two runs completed since, and leaves the pruned one as it was.
    const again = await runRetention(t.agency, new Date(Date.now() + 8 * DAY));
    expect(again?.runs_pruned).toBe(2);
    expect(await checkpointRows(completed)).toEqual(after);
    expect((await checkpointRows(waiting)).checkpoints).toBe(1);

    // After the final window the last checkpoint goes too; the run's rows still show what it made.
    const artifacts = (await (await t.api(`/v1/runs/${completed}`)).json()).artifacts;
    const final = await runRetention(t.agency, new Date(Date.now() + 31 * DAY));
    expect(final?.runs_deleted).toBe(3);
    expect(await checkpointRows(completed)).toEqual({ checkpoints: 0, blobs: 0, writes: 0 });
    const shown = await (await t.api(`/v1/runs/${completed}`)).json();
    expect(shown.status).toBe("completed");
    expect(shown.artifacts).toEqual(artifacts);
    expect(artifacts.length).toBeGreaterThan(5);
  }, 240_000);

  it("when receipts, idempotency keys, sign-in links, sessions and limiter rows are past their window, then they go and recent ones stay", async () => {
    const { pool } = t.agency;
    const old = new Date(Date.now() - 40 * DAY);
    await pool.query(
      `INSERT INTO webhook_receipts (signature, source, event, payload, received_at)
       VALUES ('sha256=old', 'agent', 'x', '{}', $1), ('sha256=new', 'agent', 'x', '{}', now())`,
      [old],
    );
    await pool.query(
      `INSERT INTO idempotency_keys (key, request_hash, response_status, response_body, created_at)
       VALUES ('old-key', 'h', 202, '{}', $1), ('new-key', 'h', 202, '{}', now())`,
      [old],
    );
    await pool.query(
      `INSERT INTO portal_magic_links (token_hash, email, delivered, expires_at)
       VALUES ('old-hash', 'a@example.com', true, $1), ('new-hash', 'a@example.com', true, now() + interval '15 minutes')`,
      [old],
    );
    await pool.query(
      `INSERT INTO operator_sessions (operator, expires_at, revoked_at)
       VALUES ('old-expired', $1, NULL), ('old-revoked', now() + interval '1 hour', $1), ('live', now() + interval '1 hour', NULL)`,
      [old],
    );
    await pool.query(
      `INSERT INTO operator_sign_in_limits (key, points, expire) VALUES ('pair:old', 5, $1), ('pair:new', 1, $2)`,
      [Date.now() - 60_000, Date.now() + 600_000],
    );

    const counts = await runRetention(t.agency);
    expect(counts).toMatchObject({
      webhook_receipts: 1,
      idempotency_keys: 1,
      portal_magic_links: 1,
      operator_sessions: 2,
      sign_in_limits: 1,
    });
    const left = async (sql: string) => (await pool.query(sql)).rows.map((r) => Object.values(r)[0]);
    expect(await left("SELECT signature FROM webhook_receipts WHERE source = 'agent' ORDER BY 1")).toEqual([
      "sha256=new",
    ]);
    expect(await left("SELECT key FROM idempotency_keys WHERE key LIKE '%-key'")).toEqual(["new-key"]);
    expect(await left("SELECT token_hash FROM portal_magic_links WHERE email = 'a@example.com'")).toEqual([
      "new-hash",
    ]);
    expect(await left("SELECT operator FROM operator_sessions")).toEqual(["live"]);
    expect(await left("SELECT key FROM operator_sign_in_limits")).toEqual(["pair:new"]);
  });

  it("when another process is pruning, then this round skips rather than waits", async () => {
    const holder = await t.agency.pool.connect();
    try {
      await holder.query("SELECT pg_advisory_lock(7140215010)");
      expect(await runRetention(t.agency)).toBeNull();
    } finally {
      await holder.query("SELECT pg_advisory_unlock(7140215010)");
      holder.release();
    }
  });
});
