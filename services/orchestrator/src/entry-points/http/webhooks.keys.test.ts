/**
 * Keys per purpose and SECRET_KEY rotation over real HTTP: two real agencies on the real Postgres,
 * one in the middle of a rotation (SECRET_KEY_PREVIOUS set) and one after it (removed).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unsubscribeToken } from "../../business-logic/subscriptions.ts";
import { createLocalAssetStore } from "../../data-access/assets.ts";
import { deriveKey } from "../../business-logic/keys.ts";
import { signedHeaders } from "../../business-logic/signing.ts";
import { anIntake, startTestAgency, type TestAgency } from "@roboagency/testing/agency";

const OLD = "the-secret-key-before-rotation-0123";
const NEW = "the-secret-key-after-rotation-01234";
const CMS = "the-cms-own-webhook-secret-0123456";
let during: TestAgency;
let after: TestAgency;

beforeAll(async () => {
  during = await startTestAgency(
    { SECRET_KEY: NEW, SECRET_KEY_PREVIOUS: OLD, CMS_WEBHOOK_SECRET: CMS },
    { worker: false, queue: "memory" },
  );
  after = await startTestAgency(
    { SECRET_KEY: NEW, CMS_WEBHOOK_SECRET: CMS },
    { worker: false, queue: "memory" },
  );
});
afterAll(async () => {
  await during?.stop();
  await after?.stop();
});

let n = 0;
function agentEvent(t: TestAgency, key: Buffer | string) {
  const body = JSON.stringify({ n: n++ });
  return t.api("/v1/webhooks/agent/step_completed", {
    method: "POST",
    body,
    // The agent webhook's signature covers the event name in the path too.
    headers: signedHeaders(key, body, Date.now(), "step_completed"),
  });
}

function publish(t: TestAgency, key: Buffer | string) {
  const slug = `piece-${n++}`;
  const body = JSON.stringify({
    source: "mdx",
    slug,
    url: `https://agency.example/blog/${slug}`,
    content:
      "---\ntitle: Waitlists\n---\n\nWhen a patient cancels, the assistant texts the waitlist and books whoever answers first.\n",
  });
  return t.api("/webhooks/cms/publish", { method: "POST", body, headers: signedHeaders(key, body) });
}

async function leadOf(t: TestAgency, email: string): Promise<string> {
  const res = await t.api("/v1/intake", { method: "POST", json: anIntake({ email }) });
  expect(res.status).toBe(202);
  return (await res.json()).lead_id;
}

describe("keys per purpose", () => {
  it("when an agent event is signed with SECRET_KEY itself or with another purpose's key, then 401", async () => {
    expect((await agentEvent(after, deriveKey(NEW, "agent-webhook"))).status).toBe(202);
    expect((await agentEvent(after, NEW)).status).toBe(401);
    expect((await agentEvent(after, deriveKey(NEW, "unsubscribe"))).status).toBe(401);
    expect((await agentEvent(after, deriveKey(NEW, "asset-url"))).status).toBe(401);
  });

  it("when the CMS signs, then only CMS_WEBHOOK_SECRET is accepted, never SECRET_KEY or its keys", async () => {
    expect((await publish(after, CMS)).status).toBe(202);
    expect((await publish(after, NEW)).status).toBe(401);
    expect((await publish(after, deriveKey(NEW, "agent-webhook"))).status).toBe(401);
  });
});

describe("SECRET_KEY rotation", () => {
  it("when SECRET_KEY_PREVIOUS is set, then what the previous key signed is accepted; once it is removed, refused", async () => {
    const oldAgent = deriveKey(OLD, "agent-webhook");
    expect((await agentEvent(during, oldAgent)).status).toBe(202);
    expect((await agentEvent(during, deriveKey(NEW, "agent-webhook"))).status).toBe(202);
    expect((await agentEvent(after, oldAgent)).status).toBe(401);

    const unsubscribe = async (t: TestAgency, email: string) =>
      t.api("/v1/unsubscribe", {
        method: "POST",
        json: { token: unsubscribeToken(deriveKey(OLD, "unsubscribe"), await leadOf(t, email)) },
      });
    expect((await unsubscribe(during, "rotating@example.com")).status).toBe(200);
    expect((await unsubscribe(after, "rotated@example.com")).status).toBe(400);
  });

  it("when a local asset link was signed with the previous key, then it opens during the rotation and not after", async () => {
    for (const [t, expected] of [
      [during, 200],
      [after, 403],
    ] as const) {
      await t.agency.assets.put("docs/rotation.md", "# Rotation", "text/markdown");
      const oldStore = createLocalAssetStore({
        dir: `${t.agency.config.dataDir}/assets`,
        baseUrl: t.url,
        signingSecret: deriveKey(OLD, "asset-url"),
      });
      const url = new URL(await oldStore.signedUrl("docs/rotation.md", 60));
      expect((await fetch(url)).status).toBe(expected);
      const current = new URL(await t.agency.assets.signedUrl("docs/rotation.md", 60));
      expect((await fetch(current)).status).toBe(200);
    }
  });
});

describe("endpoints whose secret is not set", () => {
  it("when production has no ALERTMANAGER_TOKEN or CMS_WEBHOOK_SECRET, then both endpoints refuse everyone", async () => {
    const prod = await startTestAgency(
      {
        NODE_ENV: "production",
        AGENCY_ALLOW_EMBEDDED: "true",
        SECRET_KEY: NEW,
        AGENCY_ADMIN_TOKEN: "the-operator-token-of-this-test-0123",
      },
      { worker: false, queue: "memory" },
    );
    try {
      const alert = { version: "4", groupKey: "{}", status: "firing", alerts: [] };
      for (const authorization of [`Bearer ${prod.adminToken}`, "Bearer  ", "Bearer x"]) {
        const res = await prod.api("/v1/webhooks/alertmanager", {
          method: "POST",
          json: alert,
          headers: { authorization },
        });
        expect(res.status, authorization).toBe(401);
      }
      const refused = await publish(prod, NEW);
      expect(refused.status).toBe(401);
      expect((await refused.json()).message).toMatch(/cms webhooks are off/);
      expect((await prod.agency.pool.query("SELECT 1 FROM alert_notifications")).rowCount).toBe(0);
    } finally {
      await prod.stop();
    }
  });
});
