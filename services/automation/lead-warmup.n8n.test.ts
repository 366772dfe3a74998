/**
 * The flows in a REAL n8n (the pinned version, started from n8n-runtime/) against a REAL agency
 * (API and worker on real Postgres and Redis, the Postgres outbox as the mailer). Nothing is faked:
 * the orchestrator signs lead_ready to n8n's webhook, n8n verifies it and asks for each email.
 * The first run installs n8n when it is missing (about 4 minutes); later runs reuse it.
 */
import { createHmac } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@roboagency/testing/ports";
import { anIntake, eventually, startTestAgency, type TestAgency } from "@roboagency/testing/agency";
import { WORKFLOWS_DIR, ensureN8n, startN8n, type RunningN8n } from "./testing/n8n.ts";

const SECRET = "test-secret-key-for-n8n-flows-0123456789";
const ADMIN = "test-admin-token-for-n8n-flows-0123456789";
const CMS_SECRET = "test-cms-secret-0123456789abcdef";
const SEND_ROUTE = "/v1/campaigns/:campaignId/emails/:step/send";

let n8n: RunningN8n;
let t: TestAgency;

beforeAll(async () => {
  await ensureN8n();
  const apiPort = await freePort();
  n8n = await startN8n({
    workflows: ["lead-warmup.json", "content-distribution.json"],
    activate: ["AgencyLeadWarmup", "AgencyContent"],
    env: {
      N8N_AGENCY_WEBHOOK_SECRET: SECRET,
      N8N_AGENCY_ADMIN_TOKEN: ADMIN,
      N8N_AGENCY_API_URL: `http://127.0.0.1:${apiPort}`,
      N8N_CMS_WEBHOOK_SECRET: CMS_SECRET,
      N8N_WARMUP_WAIT_1_SECONDS: "1",
      N8N_WARMUP_WAIT_2_SECONDS: "1",
    },
  });
  t = await startTestAgency({
    AUTOMATION_WEBHOOK_URL: n8n.webhookUrl("agency/lead-ready"),
    // n8n holds its own secret, never the orchestrator's SECRET_KEY.
    SECRET_KEY: "the-orchestrator-only-secret-key-0123456789",
    AUTOMATION_WEBHOOK_SECRET: SECRET,
    AGENCY_ADMIN_TOKEN: ADMIN,
    API_PORT: String(apiPort),
    CALENDAR_URL: "https://cal.example/agency",
  });
}, 25 * 60_000);

afterAll(async () => {
  await t?.stop();
  await n8n?.stop();
}, 60_000);

function signed(secret: string, body: string, ageSeconds = 0) {
  const ts = Math.floor(Date.now() / 1000) - ageSeconds;
  const sig = `sha256=${createHmac("sha256", secret).update(`${ts}.`).update(body).digest("hex")}`;
  return { "content-type": "application/json", "x-agency-timestamp": String(ts), "x-agency-signature": sig };
}

/** How often n8n asked the orchestrator to send a step: the API's own request counter. */
async function sendRequests(): Promise<number> {
  const metric = await t.agency.metrics.httpRequests.get();
  return metric.values.filter((v) => v.labels.route === SEND_ROUTE).reduce((n, v) => n + v.value, 0);
}

/** Test code reads answers loosely; the assertions are the type checks. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = async (res: Response): Promise<any> => res.json();

async function outboxFor(email: string) {
  const res = await t.api(`/v1/outbox?to=${encodeURIComponent(email)}`, { admin: true });
  return (await res.json()).messages as Array<{ subject: string; idempotencyKey: string }>;
}

let leadReady: { campaignId: string; projectId: string; runId: string };

describe("n8n flows against a running agency", () => {
  it("when an intake reaches lead_ready, then the n8n warm-up sends the three emails through the orchestrator", async () => {
    const intake = await (await t.api("/v1/intake", { method: "POST", json: anIntake() })).json();
    let seen: unknown;
    const emails = await eventually(async () => {
      const { rows } = await t.agency.pool.query(
        "SELECT campaign_id, step, status, dispatch, sent_at, error FROM campaign_emails WHERE project_id = $1 ORDER BY position",
        [intake.project_id],
      );
      seen = rows;
      return rows.length === 3 && rows.every((r) => r.status === "sent") ? rows : undefined;
    }, 240_000).catch(async (err: Error) => {
      const run = await (await t.api(`/v1/runs/${intake.run_id}`)).json();
      throw new Error(
        `${err.message}; run ${run.status} ${run.error ?? ""}; emails ${JSON.stringify(seen)}; n8n log:\n${n8n.logs().slice(-3000)}`,
      );
    });
    expect(emails.map((e) => [e.step, e.status, e.dispatch])).toEqual([
      ["demo", "sent", "automation"],
      ["prototype", "sent", "automation"],
      ["calendar", "sent", "automation"],
    ]);
    // The built-in scheduler never sends 'automation' emails: n8n asked for each one. (The request
    // is counted when its response finishes, a moment after the row says sent.)
    await eventually(async () => ((await sendRequests()) === 3 ? true : undefined), 5000);
    // The waits ran in order: each email left after the one before.
    const times = emails.map((e) => new Date(e.sent_at).getTime());
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(900);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(900);
    const outbox = await outboxFor("ada@example.com");
    expect(outbox.map((m) => m.idempotencyKey).sort()).toEqual(
      ["calendar", "demo", "prototype"].map((s) => `campaign-${emails[0].campaign_id}-${s}`),
    );
    leadReady = { campaignId: emails[0].campaign_id, projectId: intake.project_id, runId: intake.run_id };
  }, 300_000);

  it("when the same lead_ready reaches n8n again, then the flow runs again and sends nothing twice", async () => {
    const { rows: before } = await t.agency.pool.query(
      "SELECT step, sent_at, provider_message_id FROM campaign_emails WHERE campaign_id = $1 ORDER BY position",
      [leadReady.campaignId],
    );
    const body = JSON.stringify({
      event: "lead_ready",
      project_id: leadReady.projectId,
      run_id: leadReady.runId,
      campaign_id: leadReady.campaignId,
      steps: ["demo", "prototype", "calendar"],
      delays_seconds: [0, 0, 0],
      send_url: `${t.url}/v1/campaigns/${leadReady.campaignId}/emails/{step}/send`,
    });
    const res = await fetch(n8n.webhookUrl("agency/lead-ready"), {
      method: "POST",
      headers: signed(SECRET, body),
      body,
    });
    expect(res.status).toBe(202);
    expect(await json(res)).toEqual({ received: true, campaign_id: leadReady.campaignId });
    await eventually(async () => ((await sendRequests()) === 6 ? true : undefined), 60_000);
    const { rows: after } = await t.agency.pool.query(
      "SELECT step, sent_at, provider_message_id FROM campaign_emails WHERE campaign_id = $1 ORDER BY position",
      [leadReady.campaignId],
    );
    expect(after).toEqual(before);
    expect(await outboxFor("ada@example.com")).toHaveLength(3);
  }, 90_000);

  it("when lead_ready is forged, stale or replayed, then n8n answers 401 and asks for no email", async () => {
    const body = JSON.stringify({
      event: "lead_ready",
      campaign_id: leadReady.campaignId,
      send_url: `${t.url}/v1/campaigns/${leadReady.campaignId}/emails/{step}/send`,
    });
    const url = n8n.webhookUrl("agency/lead-ready");
    const forged = await fetch(url, { method: "POST", headers: signed("not-the-secret-at-all", body), body });
    expect(forged.status).toBe(401);
    expect((await json(forged)).message).toMatch(/signature does not match/);
    const stale = await fetch(url, { method: "POST", headers: signed(SECRET, body, 600), body });
    expect(stale.status).toBe(401);
    expect((await json(stale)).message).toMatch(/timestamp/);
    const unsigned = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(unsigned.status).toBe(401);
    // A valid request, then the very same bytes again once its execution has been saved.
    const headers = signed(SECRET, body);
    expect((await fetch(url, { method: "POST", headers, body })).status).toBe(202);
    await eventually(async () => ((await sendRequests()) === 9 ? true : undefined), 60_000);
    const replay = await fetch(url, { method: "POST", headers, body });
    expect(replay.status).toBe(401);
    expect((await json(replay)).message).toMatch(/already used/);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await sendRequests()).toBe(9);
    expect(await outboxFor("ada@example.com")).toHaveLength(3);
  }, 120_000);

  it("when the CMS publishes a piece, then n8n has it adapted and queued and the newsletter reaches the subscribed lead", async () => {
    const body = JSON.stringify({
      source: "mdx",
      slug: "from-n8n",
      url: "https://agency.example/blog/from-n8n",
      content:
        "---\ntitle: Flows that survive restarts\ntags: [automation]\n---\n\nOur warm-up flow waits for days. n8n keeps waiting executions in its database, so a restart does not lose them. The orchestrator keeps delivery state, so a retried step sends nothing twice.\n",
    });
    const res = await fetch(n8n.webhookUrl("agency/cms-publish"), {
      method: "POST",
      headers: signed(CMS_SECRET, body),
      body,
    });
    expect(res.status).toBe(202);
    const answer = await json(res);
    expect(answer.created).toBe(true);
    expect(answer.posts.map((p: { platform: string }) => p.platform).sort()).toEqual([
      "instagram",
      "linkedin",
      "x",
      "youtube",
    ]);
    const newsletter = await eventually(async () => {
      const messages = await outboxFor("ada@example.com");
      return messages.find((m) => m.subject === "Flows that survive restarts");
    }, 60_000);
    expect(newsletter.idempotencyKey).toMatch(new RegExp(`^newsletter-${answer.content_id}-`));
    const refused = await fetch(n8n.webhookUrl("agency/cms-publish"), {
      method: "POST",
      headers: signed("wrong-cms-secret-0123456789", body),
      body,
    });
    expect(refused.status).toBe(401);
    // A piece the orchestrator refuses goes back to the CMS with the orchestrator's reason.
    const untitled = JSON.stringify({
      source: "mdx",
      slug: "untitled",
      url: "https://agency.example/x",
      content: "No head.",
    });
    const rejected = await fetch(n8n.webhookUrl("agency/cms-publish"), {
      method: "POST",
      headers: signed(CMS_SECRET, untitled),
      body: untitled,
    });
    expect(rejected.status).toBe(422);
    expect((await json(rejected)).message).toMatch(/frontmatter\.title/);
  }, 90_000);

  it("when the hourly health check finds the worker down and later up, then the orchestrator records a firing and then a resolved alert", async () => {
    const closedPort = await freePort();
    const urls = {
      // Alerts go in with Alertmanager's token; the operator token is refused there.
      N8N_ALERT_WEBHOOK_TOKEN: t.agency.config.alertmanagerToken!,
      N8N_HEALTH_ORCHESTRATOR_URL: `${t.url}/health`,
      N8N_HEALTH_PORTAL_URL: `${t.url}/v1/sectors`,
      N8N_HEALTH_N8N_URL: `${n8n.url}/healthz`,
    };
    const alerts = async () =>
      (await t.agency.pool.query("SELECT status, alerts FROM alert_notifications ORDER BY received_at"))
        .rows as Array<{
        status: string;
        alerts: Array<{ status: string; labels: Record<string, string> }>;
      }>;
    await n8n.cli(["import:workflow", `--input=${path.join(WORKFLOWS_DIR, "monitoring.json")}`]);
    await n8n.cli(["execute", "--id=AgencyHealth"], {
      ...urls,
      N8N_HEALTH_WORKER_URL: `http://127.0.0.1:${closedPort}/health`,
    });
    const firing = await alerts();
    expect(firing).toHaveLength(1);
    expect(firing[0]!.status).toBe("firing");
    expect(firing[0]!.alerts.map((a) => [a.status, a.labels.service, a.labels.alertname])).toEqual([
      ["firing", "worker", "HealthCheckFailed"],
    ]);
    // The worker is back: its health now answers (served here by the agency's own /health).
    await n8n.cli(["execute", "--id=AgencyHealth"], { ...urls, N8N_HEALTH_WORKER_URL: `${t.url}/health` });
    const after = await alerts();
    expect(after).toHaveLength(2);
    expect(after[1]!.status).toBe("resolved");
    expect(after[1]!.alerts.map((a) => [a.status, a.labels.service])).toEqual([["resolved", "worker"]]);
    // All healthy and nothing to resolve: no notification at all.
    await n8n.cli(["execute", "--id=AgencyHealth"], { ...urls, N8N_HEALTH_WORKER_URL: `${t.url}/health` });
    expect(await alerts()).toHaveLength(2);
  }, 180_000);
});
