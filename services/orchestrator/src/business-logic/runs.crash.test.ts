/**
 * A worker that dies between saving a step's writes and saving the checkpoint that commits them,
 * made deterministic: the first executor runs on a pool and a checkpointer of its own, and "dies"
 * when the checkpointer is asked for that checkpoint (its pool refuses all work from then on and
 * its connections are terminated, so Postgres releases its run lock). A second executor, the
 * agency's own, must then finish the run from what the first left. Real Postgres, the real
 * pipeline with the offline drafts (counted, to tell a step that ran again).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import {
  STEP_NAMES,
  buildPipeline,
  offlineDraftingModel,
  type Artifact,
  type DraftingModel,
  type DraftRequest,
  type DraftStep,
  type DraftTasks,
  type StepName,
} from "@roboagency/agents";
import { anIntake, eventually, startTestAgency, type TestAgency } from "@roboagency/testing/agency";
import { BinarySafeSerializer, CHECKPOINT_SCHEMA } from "../data-access/checkpointer.ts";
import { openDatabase, type Database } from "../data-access/database.ts";
import { executeRun } from "./runs.ts";

const CRASHED_APP = "agency-crashed-worker";

class CountingModel implements DraftingModel {
  readonly id = offlineDraftingModel.id;
  readonly offline = true;
  readonly calls = new Map<DraftStep, number>();
  async draft<S extends DraftStep>(request: DraftRequest<S>): Promise<DraftTasks[S]["output"]> {
    this.calls.set(request.step, (this.calls.get(request.step) ?? 0) + 1);
    return offlineDraftingModel.draft(request);
  }
}

/**
 * The checkpointer of the executor that dies: once the writes of `step` are saved, the next
 * checkpoint is never saved; `crash` runs instead, at the moment it was asked for.
 */
class DyingSaver extends PostgresSaver {
  private writesSaved: Promise<void> | undefined;
  constructor(
    database: Database,
    private readonly step: StepName,
    private readonly crash: () => void,
  ) {
    super(database.pool, new BinarySafeSerializer(), { schema: CHECKPOINT_SCHEMA });
  }

  override async putWrites(...args: Parameters<PostgresSaver["putWrites"]>): Promise<void> {
    const [, writes] = args;
    const saving = super.putWrites(...args);
    const ofStep = writes.some(
      ([channel, value]) =>
        channel === "artifacts" && (value as Artifact[]).some((a) => a.step === this.step),
    );
    if (ofStep) this.writesSaved = saving;
    await saving;
  }

  override async put(...args: Parameters<PostgresSaver["put"]>): ReturnType<PostgresSaver["put"]> {
    if (!this.writesSaved) return super.put(...args);
    await this.writesSaved;
    this.crash();
    return new Promise<never>(() => {});
  }
}

let t: TestAgency;
const model = new CountingModel();

beforeAll(async () => {
  t = await startTestAgency({}, { worker: false, queue: "memory" });
  t.agency.draftingModel = async () => model;
  // Loading the agency's pipeline creates the checkpoint tables both executors use.
  await t.agency.pipeline();
});
afterAll(async () => {
  await t?.stop();
});

async function stepRows(runId: string) {
  const { rows } = await t.agency.pool.query<{ step: StepName; status: string; started_at: Date | null }>(
    "SELECT step, status, started_at FROM run_steps WHERE run_id = $1 ORDER BY position",
    [runId],
  );
  return rows;
}

/** Runs `runId` on an executor that dies right after the writes of `step` were saved. */
async function runUntilDeath(runId: string, step: StepName): Promise<void> {
  const url = new URL(t.agency.databaseUrl);
  url.searchParams.set("application_name", CRASHED_APP);
  const database = await openDatabase({ url: url.toString(), max: 6 });
  const { pool } = database;
  let died!: () => void;
  const death = new Promise<void>((resolve) => (died = resolve));
  const crash = () => {
    // From this moment the dead process does nothing: no query, no new connection.
    const dead = () => Promise.reject(new Error("this worker is dead"));
    Object.assign(pool, { query: dead, connect: dead });
    died();
  };
  const pipeline = buildPipeline().compile({
    checkpointer: new DyingSaver(database, step, crash),
    name: "agency_pipeline",
  });
  const running = executeRun({ ...t.agency, pool, pipeline: async () => pipeline }, runId, false);
  running.catch(() => undefined);
  await Promise.race([
    death,
    running.then(() => Promise.reject(new Error("the run ended before the crash"))),
  ]);
  // Postgres ends the dead worker's sessions (as when its socket closes) and frees its run lock.
  await t.agency.pool.query(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
    [CRASHED_APP],
  );
  await eventually(async () => {
    const { rows } = await t.agency.pool.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1",
      [CRASHED_APP],
    );
    return rows[0].n === 0 ? true : undefined;
  });
}

describe("a worker that dies between a step's writes and its checkpoint", () => {
  it.each(["prototyper", "campaign_composer"] as const)(
    "when it dies after the writes of %s, then the next worker commits them without running the step again and completes the run with every step's output",
    async (step) => {
      const { run_id: runId } = await (
        await t.api("/v1/intake", { method: "POST", json: anIntake({ email: `${step}@example.com` }) })
      ).json();
      model.calls.clear();
      await runUntilDeath(runId, step);
      const atDeath = await stepRows(runId);
      // The row of the dying step may or may not say it started: the stream runs ahead of the rows.
      const dyingStep = atDeath.find((s) => s.step === step)!;
      const after = STEP_NAMES.slice(STEP_NAMES.indexOf(step) + 1);
      for (const s of after) expect(atDeath.find((r) => r.step === s)?.status, s).toBe("pending");

      await executeRun(t.agency, runId, true);

      const run = await (await t.api(`/v1/runs/${runId}`)).json();
      expect(run.status, run.error).toBe("completed");
      const steps = await stepRows(runId);
      expect(steps.every((s) => s.status === "completed")).toBe(true);
      if (dyingStep.started_at) {
        expect(
          steps.find((s) => s.step === step)?.started_at?.toISOString(),
          `${step} did not start again`,
        ).toBe(dyingStep.started_at.toISOString());
      }
      // Each drafting step drafted once over both workers: nothing ran twice.
      expect(model.calls.get("campaign_composer")).toBe(1);
      for (const [drafted, n] of model.calls) expect(n, drafted).toBe(1);
      const { rows: assets } = await t.agency.pool.query<{ step: string }>(
        "SELECT DISTINCT step FROM assets WHERE run_id = $1",
        [runId],
      );
      expect(assets.map((a) => a.step).sort()).toEqual([...STEP_NAMES].sort());
      const { rows: emails } = await t.agency.pool.query(
        "SELECT e.step FROM campaign_emails e JOIN campaigns c ON c.id = e.campaign_id WHERE c.run_id = $1",
        [runId],
      );
      expect(emails).toHaveLength(3);
    },
    120_000,
  );
});
