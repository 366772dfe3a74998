/**
 * GET /v1/runs/{id} as one statement with a strong ETag, and its live stream's fan-out: a real
 * agency (API and worker, real Postgres and Redis) from the harness; nothing is faked.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Queryable } from "../../data-access/database.ts";
import { notifyRun } from "../../data-access/run-channel.ts";
import { anIntake, eventually, startTestAgency, type TestAgency } from "@roboagency/testing/agency";
import { RUN_THREAD_APPLICATION_NAME } from "../run-threads.ts";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * The five-query assembly GET /v1/runs/{id} used before it was one statement (run, steps,
 * artifacts, reviews, cost), kept here as the reference the single statement must equal.
 */
async function fiveQueryView(db: Queryable, runId: string) {
  const r = (
    await db.query(
      `SELECT id, project_id, workflow, status, error, attempts, created_at, started_at, finished_at,
              lead_ready_at, quality FROM workflow_runs WHERE id = $1`,
      [runId],
    )
  ).rows[0];
  const steps = await db.query(
    "SELECT step, status, started_at, finished_at, error FROM run_steps WHERE run_id = $1 ORDER BY position",
    [runId],
  );
  const artifacts = await db.query(
    `SELECT id, step, kind, name, content_type, size_bytes, offline_draft
     FROM assets WHERE run_id = $1 ORDER BY created_at, name`,
    [runId],
  );
  const reviews = (
    await db.query(
      `SELECT v.id, v.gate, v.step, v.requested_at, v.decision, v.comment, v.reviewer, v.decided_at,
        (SELECT coalesce(json_agg(json_build_object('id', a.id, 'name', n.name, 'kind', a.kind) ORDER BY n.ord), '[]')
         FROM jsonb_array_elements_text(v.artifacts) WITH ORDINALITY AS n(name, ord)
         LEFT JOIN assets a ON a.run_id = v.run_id AND a.name = n.name) AS artifacts
       FROM run_reviews v WHERE v.run_id = $1 ORDER BY v.requested_at, v.id`,
      [runId],
    )
  ).rows.map((v) => ({
    id: v.id,
    gate: v.gate,
    step: v.step,
    artifacts: v.artifacts,
    requested_at: iso(v.requested_at),
    decision: v.decision ?? null,
    comment: v.comment ?? null,
    reviewer: v.reviewer ?? null,
    decided_at: iso(v.decided_at ?? null),
  }));
  const usage = (
    await db.query(
      `SELECT step, provider, model, count(*)::int AS calls, sum(input_tokens)::bigint AS input_tokens,
              sum(output_tokens)::bigint AS output_tokens, sum(cost_usd)::float8 AS cost_usd
       FROM run_usage WHERE run_id = $1 GROUP BY step, provider, model ORDER BY min(id)`,
      [runId],
    )
  ).rows.map((u) => ({
    ...u,
    input_tokens: Number(u.input_tokens),
    output_tokens: Number(u.output_tokens),
    cost_usd: Number(u.cost_usd),
  }));
  const open = r.status === "awaiting_review" ? reviews.findLast((v) => v.decided_at === null) : undefined;
  return {
    id: r.id,
    project_id: r.project_id,
    workflow: r.workflow,
    status: r.status,
    error: r.error,
    attempts: r.attempts,
    created_at: iso(r.created_at),
    started_at: iso(r.started_at),
    finished_at: iso(r.finished_at),
    lead_ready_at: iso(r.lead_ready_at),
    steps: steps.rows.map((s) => ({
      step: s.step,
      status: s.status,
      started_at: iso(s.started_at),
      finished_at: iso(s.finished_at),
      error: s.error,
    })),
    artifacts: artifacts.rows.map((a) => ({ ...a, size_bytes: Number(a.size_bytes) })),
    review: open
      ? {
          id: open.id,
          gate: open.gate,
          step: open.step,
          artifacts: open.artifacts,
          requested_at: open.requested_at,
        }
      : null,
    reviews,
    cost: {
      total_usd: Math.round(usage.reduce((s, u) => s + u.cost_usd, 0) * 1e6) / 1e6,
      input_tokens: usage.reduce((s, u) => s + u.input_tokens, 0),
      output_tokens: usage.reduce((s, u) => s + u.output_tokens, 0),
      by_step: usage,
    },
    quality: r.quality ?? null,
  };
}

/** An open event stream: what it has received so far, and a way to close it. */
async function openStream(url: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  const stream = { res, text: "", close: () => abort.abort() };
  if (res.body) {
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          stream.text += decoder.decode(value, { stream: true });
        }
      } catch {
        // Aborted by close().
      }
    })();
  }
  return stream;
}

/**
 * Counts the statements about runs (their tables) sent through the agency's pool while `fn` runs;
 * the email scheduler's polls of campaign_emails in the background are not counted.
 */
async function countQueries(db: { query: (...args: never[]) => unknown }, fn: () => Promise<void>) {
  const original = db.query;
  let n = 0;
  db.query = function (this: unknown, ...args: never[]) {
    // A statement is its text, or a config object with a `text` (the named run view).
    const first = (args as unknown[])[0];
    const sql = typeof first === "string" ? first : String((first as { text?: string })?.text);
    if (/workflow_runs|run_steps|run_reviews|run_usage|assets/.test(sql)) n++;
    return (original as (...a: never[]) => unknown).apply(this, args);
  } as typeof db.query;
  try {
    await fn();
  } finally {
    db.query = original;
  }
  return n;
}

let t: TestAgency;
let runId: string;

beforeAll(async () => {
  t = await startTestAgency({
    AGENCY_REVIEW_GATES: "prd_review",
    AGENCY_SSE_MAX_STREAMS_PER_CLIENT: "40",
    AGENCY_SSE_HEARTBEAT_SECONDS: "1",
    AGENCY_RUN_ISOLATION: "thread",
  });
  const accepted = await (
    await t.api("/v1/intake", { method: "POST", json: anIntake({ email: "view@example.com" }) })
  ).json();
  runId = accepted.run_id;
  await eventually(async () => {
    const run = await (await t.api(`/v1/runs/${runId}`)).json();
    return run.status === "awaiting_review" ? run : undefined;
  }, 120_000);
}, 180_000);

afterAll(async () => {
  await t?.stop();
});

describe("GET /v1/runs/{id} in one statement", () => {
  it("when a run has steps, artifacts, an open review, usage and a quality report, then the body equals the five-query view", async () => {
    const { pool } = t.agency;
    const { rows } = await pool.query("SELECT project_id FROM workflow_runs WHERE id = $1", [runId]);
    // Provider usage as a paid model would report it (the offline model reports none), with
    // microsecond times and cost sums that are not exact in binary.
    await pool.query(
      `INSERT INTO run_usage (run_id, project_id, step, provider, model, input_tokens, output_tokens, cost_usd)
       VALUES ($1, $2, 'intake_parser', 'openai', 'gpt-x', 1200, 300, 0.000123),
              ($1, $2, 'intake_parser', 'openai', 'gpt-x', 10, 7, 0.1),
              ($1, $2, 'market_mapper', 'anthropic', 'claude-y', 5, 5, 0.2)`,
      [runId, rows[0].project_id],
    );
    await pool.query(
      `UPDATE workflow_runs SET quality = '{"gates": [{"ok": true, "score": 0.75}], "1": "numeric key"}',
              started_at = '2026-01-02 03:04:05.678999+00' WHERE id = $1`,
      [runId],
    );
    const res = await t.api(`/v1/runs/${runId}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    const body = await res.json();
    expect(body.artifacts.length).toBeGreaterThan(0);
    expect(body.review).not.toBeNull();
    expect(body.cost.by_step).toHaveLength(2);
    expect(body.cost.total_usd).toBe(0.300123);
    expect(body.started_at).toBe("2026-01-02T03:04:05.678Z");
    expect(body).toEqual(await fiveQueryView(pool, runId));
  });

  it("when the run is read, then it takes one statement", async () => {
    const n = await countQueries(t.agency.pool, async () => {
      expect((await t.api(`/v1/runs/${runId}`)).status).toBe(200);
    });
    expect(n).toBe(1);
  });

  it("when If-None-Match carries the current ETag, then 304 without a body; after a change, 200 with a new ETag", async () => {
    const first = await t.api(`/v1/runs/${runId}`);
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"v1-\d+"$/);
    await first.text();

    // HEAD: the same head (the held body's length and ETag), no body.
    const head = await t.api(`/v1/runs/${runId}`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("etag")).toBe(etag);
    expect(Number(head.headers.get("content-length"))).toBeGreaterThan(1000);
    expect(await head.text()).toBe("");

    const unchanged = await t.api(`/v1/runs/${runId}`, { headers: { "if-none-match": etag } });
    expect(unchanged.status).toBe(304);
    expect(unchanged.headers.get("etag")).toBe(etag);
    expect(await unchanged.text()).toBe("");
    // Weak comparison, and a list.
    const listed = await t.api(`/v1/runs/${runId}`, { headers: { "if-none-match": `"other", W/${etag}` } });
    expect(listed.status).toBe(304);

    // A change in a child table (here a step's error text) moves the revision.
    await t.agency.pool.query(
      "UPDATE run_steps SET error = 'changed for the test' WHERE run_id = $1 AND step = 'intake_parser'",
      [runId],
    );
    const changed = await t.api(`/v1/runs/${runId}`, { headers: { "if-none-match": etag } });
    expect(changed.status).toBe(200);
    const newEtag = changed.headers.get("etag")!;
    expect(newEtag).not.toBe(etag);
    expect((await changed.json()).steps[0].error).toBe("changed for the test");
    await t.agency.pool.query(
      "UPDATE run_steps SET error = NULL WHERE run_id = $1 AND step = 'intake_parser'",
      [runId],
    );
  });

  it("when one transaction writes a run's row and then its steps, then the revision moves once; a later step change alone moves it again", async () => {
    const revisionIn = async (db: Queryable, id: string) =>
      Number((await db.query("SELECT revision FROM workflow_runs WHERE id = $1", [id])).rows[0].revision);
    const before = await revisionIn(t.agency.pool, runId);
    const client = await t.agency.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("UPDATE workflow_runs SET error = error WHERE id = $1", [runId]);
      await client.query("UPDATE run_steps SET error = error WHERE run_id = $1", [runId]);
      // A run created with its steps in one transaction (the intake's statement) keeps revision 1.
      const created = (
        await client.query(
          `INSERT INTO workflow_runs (project_id, workflow)
           SELECT project_id, workflow FROM workflow_runs WHERE id = $1 RETURNING id`,
          [runId],
        )
      ).rows[0].id as string;
      await client.query("INSERT INTO run_steps (run_id, step, position) VALUES ($1, 'intake_parser', 1)", [
        created,
      ]);
      expect(await revisionIn(client, created)).toBe(1);
      await client.query("DELETE FROM workflow_runs WHERE id = $1", [created]);
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    expect(await revisionIn(t.agency.pool, runId)).toBe(before + 1);
    await t.agency.pool.query("UPDATE run_steps SET error = error WHERE run_id = $1", [runId]);
    expect(await revisionIn(t.agency.pool, runId)).toBe(before + 2);
  });

  it("when the run does not exist, then 404 even with If-None-Match", async () => {
    const res = await t.api("/v1/runs/00000000-0000-4000-8000-000000000000", {
      headers: { "if-none-match": '"v1-1"' },
    });
    expect(res.status).toBe(404);
  });
});

describe("GET /v1/runs/{id}/events fan-out", () => {
  it("when 30 clients follow one run and it changes, then the API reads it once per notice, not once per client", async () => {
    const streams = await Promise.all(
      Array.from({ length: 30 }, () => openStream(`${t.url}/v1/runs/${runId}/events`)),
    );
    try {
      expect(streams.every((s) => s.res.status === 200)).toBe(true);
      await eventually(async () => (streams.every((s) => s.text.includes("event: run")) ? true : undefined));
      const before = streams.map((s) => s.text.length);
      const reads = await countQueries(t.agency.pool, async () => {
        await t.agency.pool.query(
          "UPDATE run_steps SET error = 'fan-out' WHERE run_id = $1 AND step = 'intake_parser'",
          [runId],
        );
        await notifyRun(t.agency.pool, runId);
        await eventually(async () =>
          streams.every((s, i) => s.text.slice(before[i]).includes('"error":"fan-out"')) ? true : undefined,
        );
      });
      // The UPDATE, then the shared read (a heartbeat re-read may add one); five per client before.
      expect(reads - 1).toBeGreaterThanOrEqual(1);
      expect(reads - 1).toBeLessThanOrEqual(2);
    } finally {
      for (const s of streams) s.close();
      await t.agency.pool.query(
        "UPDATE run_steps SET error = NULL WHERE run_id = $1 AND step = 'intake_parser'",
        [runId],
      );
    }
  });

  it("when a stream is open, then it carries a retry hint and heartbeat comments", async () => {
    const s = await openStream(`${t.url}/v1/runs/${runId}/events`);
    try {
      expect(s.res.headers.get("content-type")).toContain("text/event-stream");
      await eventually(async () => (s.text.includes(": keep-alive") ? true : undefined), 5000);
      expect(s.text).toMatch(/^retry: \d+\n\n/);
    } finally {
      s.close();
    }
  });
});

describe("GET /v1/runs/{id}/events caps", () => {
  let capped: TestAgency;
  beforeAll(async () => {
    capped = await startTestAgency(
      { AGENCY_SSE_MAX_STREAMS_PER_CLIENT: "2", AGENCY_SSE_MAX_STREAMS: "3" },
      { worker: false },
    );
  }, 60_000);
  afterAll(async () => {
    await capped?.stop();
  });

  it("when one address opens more streams than its cap, then 429 with Retry-After; the operator's relay and a freed slot pass; the process cap holds for all", async () => {
    const accepted = await (
      await capped.api("/v1/intake", { method: "POST", json: anIntake({ email: "caps@example.com" }) })
    ).json();
    const url = `${capped.url}/v1/runs/${accepted.run_id}/events`;
    const a = await openStream(url);
    const b = await openStream(url);
    expect([a.res.status, b.res.status]).toEqual([200, 200]);

    const refused = await fetch(url);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: string }).error).toBe("too_many_streams");

    // The portal's server relays for many browsers with its portal token: only the process cap.
    const relay = await openStream(url, { authorization: `Bearer ${capped.agency.config.portalToken}` });
    expect(relay.res.status).toBe(200);
    const overProcess = await fetch(url, { headers: { authorization: `Bearer ${capped.adminToken}` } });
    expect(overProcess.status).toBe(429);
    await overProcess.text();

    a.close();
    await eventually(async () => {
      const again = await fetch(url);
      if (again.status !== 200) {
        await again.text();
        return undefined;
      }
      await again.body?.cancel();
      return true;
    }, 5000);
    b.close();
    relay.close();
  });
});

describe("runs in worker threads", () => {
  it("when runs execute in threads, then they complete, their database work is the threads' and their metrics reach the API's /metrics", async () => {
    const accepted = await (
      await t.api("/v1/intake", { method: "POST", json: anIntake({ email: "threads@example.com" }) })
    ).json();
    await eventually(async () => {
      const run = await (await t.api(`/v1/runs/${accepted.run_id}`)).json();
      return run.status === "awaiting_review" ? run : undefined;
    }, 120_000);
    const { rows } = await t.agency.pool.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1",
      [RUN_THREAD_APPLICATION_NAME],
    );
    expect(rows[0].n).toBeGreaterThan(0);
    const metrics = await (await t.api("/metrics")).text();
    const count = /agency_pipeline_step_duration_seconds_count\{[^}]*step="intake_parser"[^}]*\} (\d+)/.exec(
      metrics,
    );
    expect(Number(count?.[1])).toBeGreaterThanOrEqual(2);
  }, 150_000);
});
