/**
 * The portal's file proxy as an attacker uses it: a client signed in to their own project tries to
 * reach other routes and other clients' data through `/files/<token>/<name>`. Over real HTTP: the
 * built portal (startPortal) in front of a real agency (real Postgres and Redis, the Postgres
 * outbox as mailer, the offline drafting model). Nothing is faked.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@roboagency/testing/ports";
import { anIntake, eventually, startTestAgency, type TestAgency } from "@roboagency/testing/agency";
import { startPortal, type RunningPortal } from "../start.ts";

let agency: TestAgency;
let portal: RunningPortal;
const attacker = "mallory@example.com";
const victim = "victim@example.com";
let attackerRun = "";
let victimRun = "";
let victimProject = "";
let filesBase = "";
let cookie = "";

/** A GET with the path sent exactly as written: fetch() would resolve `..` and `%2e` first. */
function rawGet(url: string, rawPath: string, headers: Record<string, string> = {}) {
  const { hostname, port } = new URL(url);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: hostname, port, path: rawPath, method: "GET", headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function completed(runId: string) {
  await eventually(async () => {
    const run = await (await agency.api(`/v1/runs/${runId}`)).json();
    if (run.status === "failed") throw new Error(`run failed: ${run.error}`);
    return run.status === "completed" ? run : undefined;
  }, 90_000);
}

/** Signs in as a client the way a browser does: emailed link, then the button's form post. */
async function signIn(email: string): Promise<string> {
  expect(
    (await agency.api("/v1/portal/magic-links", { method: "POST", admin: true, json: { email } })).status,
  ).toBe(202);
  const link = await eventually(async () => {
    const { messages } = await (
      await agency.api(`/v1/outbox?to=${encodeURIComponent(email)}`, { admin: true })
    ).json();
    const mail = messages.find((m: { subject: string }) => /sign-in link/.test(m.subject));
    return mail ? /\/portal\/auth\?token=([\w-]+)/.exec(mail.text)?.[1] : undefined;
  }, 10_000);
  const res = await fetch(`${portal.url}/portal/auth`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: portal.url, accept: "text/html" },
    body: new URLSearchParams({ token: link }),
  });
  expect(res.status).toBe(303);
  const set = res.headers.getSetCookie().find((c) => c.startsWith("agency_client="));
  return set!.split(";")[0]!;
}

beforeAll(async () => {
  const port = await freePort();
  agency = await startTestAgency({ PUBLIC_PORTAL_URL: `http://127.0.0.1:${port}` });
  portal = await startPortal({
    port,
    apiUrl: agency.url,
    adminToken: agency.adminToken,
    portalToken: agency.portalToken,
    secretKey: "files-test-secret-key-0123456789abcdef",
  });
  const mine = await (
    await agency.api("/v1/intake", { method: "POST", json: anIntake({ email: attacker }) })
  ).json();
  const theirs = await (
    await agency.api("/v1/intake", { method: "POST", json: anIntake({ email: victim }) })
  ).json();
  attackerRun = mine.run_id;
  victimRun = theirs.run_id;
  victimProject = theirs.project_id;
  await Promise.all([completed(attackerRun), completed(victimRun)]);
  // The victim has a live sign-in link in the outbox: what the attacker is after.
  await agency.api("/v1/portal/magic-links", { method: "POST", admin: true, json: { email: victim } });

  cookie = await signIn(attacker);
  const page = await fetch(`${portal.url}/portal/projects/${mine.project_id}`, { headers: { cookie } });
  expect(page.status).toBe(200);
  filesBase = /\/files\/[\w.-]+/.exec(await page.text())![0];
}, 240_000);

afterAll(async () => {
  await portal?.stop();
  await agency?.stop();
});

describe("/files/<token>/<name>", () => {
  it("when a client opens a file of their own run, then it is served", async () => {
    const res = await rawGet(portal.url, `${filesBase}/brief.json`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toBeTypeOf("object");
  });

  it.each([
    "..%2f..%2f..%2f..%2f..%2fv1%2foutbox",
    "..%2F..%2F..%2F..%2F..%2Fv1%2Foutbox%3Fto%3Dvictim%40example.com",
    "%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/v1/outbox",
    "prototype/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/v1/leads",
    "..%5c..%5c..%5cv1%5cleads",
    ".%2fbrief.json",
    "prototype//index.html",
    "brief.json%00",
    "%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fmetrics",
  ])("when the name is %s, then it is refused and nothing of another route comes back", async (name) => {
    const res = await rawGet(portal.url, `${filesBase}/${name}`);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body).not.toContain(victim);
    expect(res.body).not.toMatch(/sign-in link|portal\/auth\?token|"leads"|"messages"|process_cpu/);
  });

  it("when a client's link names a file of another client's run, then it is not found", async () => {
    // The attacker's own link, pointed at the victim's run id in a name: the API answers only
    // files of the attacker's runs, whatever the name.
    const res = await rawGet(portal.url, `${filesBase}/..%2f${victimRun}%2ffiles%2fbrief.json`);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});

describe("the portal's API token", () => {
  const asPortal = (path: string) =>
    fetch(`${agency.url}${path}`, { headers: { authorization: `Bearer ${agency.portalToken}` } });

  it("when it is used on an operator endpoint, then the API refuses it", async () => {
    for (const path of ["/v1/outbox", "/v1/leads", "/v1/runs", `/v1/projects/${victimProject}/emails`]) {
      expect((await asPortal(path)).status, path).toBe(401);
    }
  });

  it("when it reads a project or a file without naming the client, then the API refuses it", async () => {
    const project = await asPortal(`/v1/portal/projects/${victimProject}`);
    expect(project.status).toBe(422);
    expect((await project.json()).fields[0].field).toBe("email");
    expect((await asPortal(`/v1/portal/runs/${victimRun}/files/brief.json`)).status).toBe(422);
  });

  it("when it reads as one client, then another client's project and files are not found", async () => {
    const q = `?email=${encodeURIComponent(attacker)}`;
    expect((await asPortal(`/v1/portal/projects/${victimProject}${q}`)).status).toBe(404);
    expect((await asPortal(`/v1/portal/runs/${victimRun}/files/brief.json${q}`)).status).toBe(404);
    expect((await asPortal(`/v1/portal/runs/${attackerRun}/files/brief.json${q}`)).status).toBe(200);
  });

  it("when a file name has dot or empty segments, then the API refuses it with 400 naming the name", async () => {
    const res = await rawGet(
      agency.url,
      `/v1/portal/runs/${attackerRun}/files/prototype/%2e%2e/brief.json?email=${encodeURIComponent(attacker)}`,
      { authorization: `Bearer ${agency.portalToken}` },
    );
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).fields[0].field).toBe("name");
  });
});
