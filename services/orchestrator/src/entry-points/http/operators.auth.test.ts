/** Operator endpoints, health and metrics over real HTTP on a real database and Redis. */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { health } from "./app.ts";
import { anIntake, startTestAgency, type TestAgency } from "@roboagency/testing/agency";

let t: TestAgency;
beforeAll(async () => {
  t = await startTestAgency({}, { worker: false });
});
afterAll(async () => {
  await t?.stop();
});

describe("operator endpoints", () => {
  const endpoints = ["/v1/leads", "/v1/runs", "/v1/outbox"];

  it("when no token or a wrong token is sent, then 401 and no data", async () => {
    for (const path of endpoints) {
      expect((await t.api(path)).status, path).toBe(401);
      const wrong = await t.api(path, { headers: { authorization: "Bearer wrong-token-wrong-token" } });
      expect(wrong.status, path).toBe(401);
    }
  });

  it("when an operator lists leads, runs and a project, then the intake is there with its run", async () => {
    const accepted = await (
      await t.api("/v1/intake", { method: "POST", json: anIntake({ email: "ops@example.com" }) })
    ).json();
    const leads = await (await t.api("/v1/leads?email=OPS@example.com", { admin: true })).json();
    expect(leads.leads).toHaveLength(1);
    expect(leads.leads[0].projects[0].id).toBe(accepted.project_id);
    const runs = await (await t.api("/v1/runs?status=queued", { admin: true })).json();
    expect(runs.runs.map((r: { id: string }) => r.id)).toContain(accepted.run_id);
    const project = await (await t.api(`/v1/projects/${accepted.project_id}`, { admin: true })).json();
    expect(project.lead.email).toBe("ops@example.com");
    expect(project.runs[0].id).toBe(accepted.run_id);
  });

  it("when a filter is malformed, then 422 names it", async () => {
    const res = await t.api("/v1/runs?status=bogus", { admin: true });
    expect(res.status).toBe(422);
    expect((await res.json()).fields[0].field).toBe("status");
    expect((await t.api("/v1/leads?limit=0", { admin: true })).status).toBe(422);
  });

  it("when a project id is unknown or malformed, then 404", async () => {
    expect((await t.api("/v1/projects/00000000-0000-4000-8000-000000000000", { admin: true })).status).toBe(
      404,
    );
    expect((await t.api("/v1/projects/nope", { admin: true })).status).toBe(404);
  });

  it("when a workflow is started for a project with a run in progress, then 409", async () => {
    const accepted = await (
      await t.api("/v1/intake", { method: "POST", json: anIntake({ email: "rerun@example.com" }) })
    ).json();
    const res = await t.api(`/v1/workflows/${accepted.project_id}`, {
      method: "POST",
      json: { workflow: "proto_v1" },
      admin: true,
    });
    expect(res.status).toBe(409);
    const unknown = await t.api(`/v1/workflows/${accepted.project_id}`, {
      method: "POST",
      json: { workflow: "nope" },
      admin: true,
    });
    expect(unknown.status).toBe(422);
  });
});

describe("GET /health and /metrics", () => {
  it("when every dependency answers, then 200 in the seed's shape", async () => {
    const res = await t.api("/health");
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({
      status: "healthy",
      version: expect.any(String),
      dependencies: { database: "up", redis: "up", storage: "up" },
    });
  });

  it("when an operator asks for health, then each dependency's latency comes too", async () => {
    const body = await (await t.api("/health", { admin: true })).json();
    expect(body.status).toBe("healthy");
    for (const dep of ["database", "redis", "storage"]) {
      expect(body.details[dep]).toEqual({ status: "up", latency_ms: expect.any(Number) });
    }
  });

  it("when the database refuses connections, then the report is unhealthy and names it", async () => {
    const deadPool = new pg.Pool({
      connectionString: "postgres://postgres@127.0.0.1:1/none",
      connectionTimeoutMillis: 500,
    });
    const report = await health({ ...t.agency, pool: deadPool });
    await deadPool.end();
    expect(report.status).toBe("unhealthy");
    expect(report.dependencies).toEqual({ database: "down", redis: "up", storage: "up" });
    expect(report.details.database!.error).toMatch(/ECONNREFUSED|connect/);
  });

  it("when metrics are scraped, then the request, queue and pipeline series are exposed", async () => {
    await t.api("/v1/sectors");
    const text = await (await t.api("/metrics")).text();
    expect(text).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/v1\/sectors"/);
    expect(text).toMatch(/http_requests_total\{[^}]*route="\/v1\/sectors"/);
    expect(text).toMatch(/agency_queue_depth\{[^}]*state="waiting"/);
    for (const name of [
      "agency_pipeline_step_duration_seconds",
      "agency_pipeline_step_failures_total",
      "agency_pipeline_runs_total",
    ]) {
      expect(text).toContain(`# TYPE ${name}`);
    }
  });

  it("when the sectors are listed, then each has an id, a name and a description", async () => {
    const { sectors } = await (await t.api("/v1/sectors")).json();
    expect(sectors.length).toBeGreaterThanOrEqual(12);
    for (const s of sectors) expect(Object.keys(s).sort()).toEqual(["description", "id", "name"]);
  });
});
