/** Signed webhooks over real HTTP and a real database. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keysOf } from "../../business-logic/keys.ts";
import { sign, signedHeaders } from "../../business-logic/signing.ts";
import { startTestAgency, type TestAgency } from "@roboagency/testing/agency";

let t: TestAgency;
beforeAll(async () => {
  t = await startTestAgency({}, { worker: false });
});
afterAll(async () => {
  await t?.stop();
});

/** Internal agents sign with the "agent-webhook" key; the CMS holds only CMS_WEBHOOK_SECRET. */
const agentKey = () => keysOf(t.agency.config).signing("agent-webhook");
const cmsSecret = () => t.agency.config.cmsWebhookSecret!;
const article = (slug: string) => ({
  source: "mdx",
  slug,
  url: `https://agency.example/blog/${slug}`,
  content:
    "---\ntitle: Filling cancelled slots\ntags: [clinics, scheduling]\n---\n\n" +
    "Small clinics lose up to a fifth of their appointments to cancellations and no-shows. " +
    "When a patient cancels, the assistant texts the next people on the waitlist and books the first who answers. " +
    "Clinics in our pilot refilled most cancelled slots within an hour.\n",
});
const post = (path: string, body: string, headers: Record<string, string>) =>
  t.api(path, { method: "POST", body, headers });

describe("POST /v1/webhooks/agent/{event} and /webhooks/cms/publish", () => {
  it("when the signature is valid, then the event is accepted and recorded", async () => {
    const body = JSON.stringify({ project_id: "p1", step: "prototyper" });
    const res = await post(
      "/v1/webhooks/agent/step_completed",
      body,
      signedHeaders(agentKey(), body, Date.now(), "step_completed"),
    );
    expect(res.status).toBe(202);
    const { rows } = await t.agency.pool.query("SELECT source, event, payload FROM webhook_receipts");
    expect(rows).toEqual([
      { source: "agent", event: "step_completed", payload: { project_id: "p1", step: "prototyper" } },
    ]);
  });

  it("when a signed agent event is sent under another event name in the path, then 401 and nothing is recorded", async () => {
    const body = JSON.stringify({ project_id: "p2", step: "prototyper" });
    const headers = signedHeaders(agentKey(), body, Date.now(), "step_completed");
    const res = await post("/v1/webhooks/agent/run_failed", body, headers);
    expect(res.status).toBe(401);
    expect((await res.json()).error).toBe("invalid_signature");
    // A signature over the body alone no longer passes for an event either.
    const bodyOnly = await post("/v1/webhooks/agent/step_completed", body, signedHeaders(agentKey(), body));
    expect(bodyOnly.status).toBe(401);
    const { rows } = await t.agency.pool.query(
      "SELECT 1 FROM webhook_receipts WHERE payload->>'project_id' = 'p2'",
    );
    expect(rows).toHaveLength(0);
  });

  it("when the same signed request is sent again, then the replay is refused with 401", async () => {
    const body = JSON.stringify(article("launch-post"));
    const headers = signedHeaders(cmsSecret(), body);
    expect((await post("/webhooks/cms/publish", body, headers)).status).toBe(202);
    const replay = await post("/webhooks/cms/publish", body, headers);
    expect(replay.status).toBe(401);
    expect((await replay.json()).error).toBe("replayed");
  });

  it("when a CMS publishes a signed article, then it enters the content pipeline with its platform posts", async () => {
    const body = JSON.stringify(article("waitlists"));
    const res = await post("/webhooks/cms/publish", body, signedHeaders(cmsSecret(), body));
    expect(res.status).toBe(202);
    const { content_id: contentId, created } = await res.json();
    expect(created).toBe(true);
    const content = await (await t.api(`/v1/content/${contentId}`, { admin: true })).json();
    expect(content.posts.length).toBeGreaterThanOrEqual(4);
  });

  it("when a signed publish event is malformed, then 422 names the field and the signature stays unused", async () => {
    const body = JSON.stringify({ source: "mdx", slug: "" });
    const headers = signedHeaders(cmsSecret(), body);
    const res = await post("/webhooks/cms/publish", body, headers);
    expect(res.status).toBe(422);
    expect((await res.json()).fields.length).toBeGreaterThan(0);
    const { rows } = await t.agency.pool.query("SELECT 1 FROM webhook_receipts WHERE signature = $1", [
      headers["x-agency-signature"],
    ]);
    expect(rows).toHaveLength(0);
  });

  it("when the signature is wrong, missing or made with another key, then 401", async () => {
    const body = JSON.stringify({ slug: "x" });
    const ts = Math.floor(Date.now() / 1000);
    const tries: Array<Record<string, string>> = [
      { "content-type": "application/json" },
      {
        "content-type": "application/json",
        "x-agency-timestamp": String(ts),
        "x-agency-signature": "sha256=00",
      },
      {
        "content-type": "application/json",
        "x-agency-timestamp": String(ts),
        "x-agency-signature": sign("another-secret-key", ts, body),
      },
    ];
    for (const headers of tries) {
      const res = await post("/webhooks/cms/publish", body, headers);
      expect(res.status).toBe(401);
      expect((await res.json()).error).toBe("invalid_signature");
    }
  });

  it("when the body is changed after signing, then 401", async () => {
    const headers = signedHeaders(cmsSecret(), JSON.stringify({ amount: 1 }));
    const res = await post("/webhooks/cms/publish", JSON.stringify({ amount: 1000 }), headers);
    expect(res.status).toBe(401);
  });

  it("when the timestamp is older than five minutes, then 401", async () => {
    const body = "{}";
    const headers = signedHeaders(cmsSecret(), body, Date.now() - 10 * 60_000);
    const res = await post("/webhooks/cms/publish", body, headers);
    expect(res.status).toBe(401);
    expect((await res.json()).message).toMatch(/timestamp/);
  });

  it("when Alertmanager posts with its own token, then the notification is stored; with the operator token or none, 401", async () => {
    const body = {
      version: "4",
      groupKey: '{}:{alertname="ServiceDown"}',
      status: "firing",
      alerts: [{ labels: { alertname: "ServiceDown" } }],
    };
    const alertmanager = { authorization: `Bearer ${t.agency.config.alertmanagerToken}` };
    expect((await t.api("/v1/webhooks/alertmanager", { method: "POST", json: body })).status).toBe(401);
    expect(
      (await t.api("/v1/webhooks/alertmanager", { method: "POST", json: body, admin: true })).status,
    ).toBe(401);
    expect(
      (await t.api("/v1/webhooks/alertmanager", { method: "POST", json: body, headers: alertmanager }))
        .status,
    ).toBe(202);
    const bad = await t.api("/v1/webhooks/alertmanager", {
      method: "POST",
      json: { status: "firing" },
      headers: alertmanager,
    });
    expect(bad.status).toBe(422);
    const { rows } = await t.agency.pool.query("SELECT status, alerts FROM alert_notifications");
    expect(rows).toEqual([{ status: "firing", alerts: body.alerts }]);
  });
});
