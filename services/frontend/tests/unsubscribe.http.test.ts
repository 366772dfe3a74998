/**
 * The unsubscribe page over real HTTP: the built portal (startPortal) in front of a real agency
 * (real Postgres and Redis). Opening the link changes nothing; the button unsubscribes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keysOf, unsubscribeToken } from "@roboagency/orchestrator";
import { anIntake, startTestAgency, type TestAgency } from "@roboagency/testing/agency";
import { freePort } from "@roboagency/testing/ports";
import { startPortal, type RunningPortal } from "../start.ts";

let agency: TestAgency;
let portal: RunningPortal;

beforeAll(async () => {
  const port = await freePort();
  agency = await startTestAgency({ PUBLIC_PORTAL_URL: `http://127.0.0.1:${port}` }, { worker: false });
  portal = await startPortal({
    port,
    apiUrl: agency.url,
    adminToken: agency.adminToken,
    portalToken: agency.portalToken,
    secretKey: "unsubscribe-test-secret-key-0123456789",
  });
}, 180_000);

afterAll(async () => {
  await portal?.stop();
  await agency?.stop();
});

const unsubscribedAt = async (email: string) =>
  (await agency.agency.pool.query("SELECT unsubscribed_at FROM leads WHERE email = $1", [email])).rows[0]
    ?.unsubscribed_at;

const press = (query: string, fields: Record<string, string>) =>
  fetch(`${portal.url}/unsubscribe?${query}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: portal.url, accept: "text/html" },
    body: new URLSearchParams(fields),
  });

describe("/unsubscribe", () => {
  it("when the campaign email's link is opened, then nothing changes until the button is pressed", async () => {
    const accepted = await (
      await agency.api("/v1/intake", { method: "POST", json: anIntake({ email: "leave@example.com" }) })
    ).json();
    // The link of every campaign email: the lead's signed token.
    const token = unsubscribeToken(keysOf(agency.agency.config).signing("unsubscribe"), accepted.lead_id);
    const page = await fetch(`${portal.url}/unsubscribe?token=${token}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Unsubscribe</button>");
    expect(await unsubscribedAt("leave@example.com")).toBeNull();

    const done = await press(`token=${token}`, { token, project: "" });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("You are unsubscribed");
    expect(await unsubscribedAt("leave@example.com")).toBeInstanceOf(Date);
  });

  it("when the link is forged or incomplete, then the page says so and nobody is unsubscribed", async () => {
    await agency.api("/v1/intake", { method: "POST", json: anIntake({ email: "stay@example.com" }) });
    const forged = await press("token=abc.def", { token: "abc.def", project: "" });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain("not valid");
    // A project id is public (a run's status shows it): alone it unsubscribes nobody.
    const { project_id } = (
      await agency.agency.pool.query(
        "SELECT p.id AS project_id FROM projects p JOIN leads l ON l.id = p.lead_id WHERE l.email = $1",
        ["stay@example.com"],
      )
    ).rows[0];
    const byProject = await press(`project=${project_id}`, { project: project_id, token: "" });
    expect(byProject.status).toBe(400);
    expect(await (await fetch(`${portal.url}/unsubscribe`)).text()).toContain("incomplete");
    expect(await unsubscribedAt("stay@example.com")).toBeNull();
  });
});
