/**
 * The ops console's sign-in over real HTTP: the built portal (startPortal) behind a simulated
 * Caddy hop (X-Forwarded-For, as the deployed portal reads it with ADDRESS_HEADER and XFF_DEPTH)
 * in front of a real agency on the real Postgres. Nothing is faked.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@roboagency/testing/ports";
import { startTestAgency, type TestAgency } from "@roboagency/testing/agency";
import { ATTEMPTS_PER_NAME_AND_ADDRESS } from "@roboagency/contracts";
import { startPortal, type RunningPortal } from "../start.ts";

let agency: TestAgency;
let portal: RunningPortal;

beforeAll(async () => {
  // What stack/containers.ts gives the deployed portal: the client is the last X-Forwarded-For hop.
  process.env.ADDRESS_HEADER = "x-forwarded-for";
  process.env.XFF_DEPTH = "1";
  const port = await freePort();
  agency = await startTestAgency({ PUBLIC_PORTAL_URL: `http://127.0.0.1:${port}` }, { worker: false });
  portal = await startPortal({
    port,
    apiUrl: agency.url,
    adminToken: agency.adminToken,
    portalToken: agency.portalToken,
    secretKey: "ops-sign-in-test-secret-key-0123456789",
  });
}, 180_000);

afterAll(async () => {
  await portal?.stop();
  await agency?.stop();
});

function signIn(from: string, password: string) {
  return fetch(`${portal.url}/ops/login`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      origin: portal.url,
      accept: "text/html",
      "x-forwarded-for": from,
    },
    body: new URLSearchParams({ name: "admin", password, next: "/ops" }),
  });
}

const cookieOf = (res: Response) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0]!)
    .find((c) => c.startsWith("agency_ops="));

const get = (path: string, cookie?: string) =>
  fetch(`${portal.url}${path}`, { redirect: "manual", headers: cookie ? { cookie } : {} });

describe("operator sign-in", () => {
  it("when 60 wrong guesses arrive in parallel, then at most the limit are evaluated and another address still signs in", async () => {
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => signIn("203.0.113.7", `wrong password number ${i}`)),
    );
    const statuses = answers.map((r) => r.status);
    const evaluated = statuses.filter((s) => s === 401).length;
    expect(evaluated).toBeGreaterThan(0);
    expect(evaluated).toBeLessThanOrEqual(ATTEMPTS_PER_NAME_AND_ADDRESS);
    expect(statuses.filter((s) => s === 429).length).toBe(60 - evaluated);
    // Even the right password waits out the window from the guessing address...
    expect((await signIn("203.0.113.7", agency.adminToken)).status).toBe(429);
    // ...but the guesses lock out nobody else.
    const other = await signIn("198.51.100.9", agency.adminToken);
    expect(other.status).toBe(303);
    expect(cookieOf(other)).toBeDefined();
  });

  it("when an operator signs out, then a cookie captured before is refused", async () => {
    const signedIn = await signIn("192.0.2.44", agency.adminToken);
    expect(signedIn.status).toBe(303);
    const cookie = cookieOf(signedIn)!;
    expect((await get("/ops", cookie)).status).toBe(200);

    const out = await fetch(`${portal.url}/ops/logout`, {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: portal.url,
        accept: "text/html",
        cookie,
      },
      body: "",
    });
    expect(out.status).toBe(303);
    const after = await get("/ops", cookie);
    expect(after.status).toBe(303);
    expect(after.headers.get("location")).toBe("/ops/login?next=%2Fops");
  });
});

describe("redirects of the sign-in guard", () => {
  it.each(["/ops", "/ops/runs", "/portal", "/portal/projects/x"])(
    "when a signed-out visitor opens %s, then the redirect carries the pages' security headers",
    async (path) => {
      const res = await get(path);
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toMatch(/^\/(ops|portal)\/login\?next=/);
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
      expect(res.headers.get("cross-origin-opener-policy")).toBe("same-origin");
      expect(res.headers.get("permissions-policy")).toContain("camera=()");
    },
  );

  it("when a page is served, then it keeps its own CSP rather than the redirect's", async () => {
    const res = await get("/ops/login");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
  });
});
