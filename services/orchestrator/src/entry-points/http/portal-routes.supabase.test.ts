/**
 * The portal's sign-in and files with Supabase configured: a real agency on the real Postgres,
 * with SUPABASE_URL pointed at a FAKE Supabase project on loopback (@roboagency/testing/fake-supabase),
 * which speaks the Auth (GoTrue) and Storage HTTP APIs that @supabase/supabase-js calls.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anIntake, startTestAgency, type TestAgency } from "@roboagency/testing/agency";
import { startFakeSupabase, type FakeSupabase } from "@roboagency/testing/fake-supabase";
import { MAGIC_LINKS_PER_WINDOW } from "../../business-logic/portal-auth.ts";

let agency: TestAgency;
let supabase: FakeSupabase;
const PORTAL = "https://portal.example.test";

beforeAll(async () => {
  supabase = await startFakeSupabase(); // FAKE Supabase (Auth + Storage) on loopback
  agency = await startTestAgency(
    { PUBLIC_PORTAL_URL: PORTAL, SUPABASE_URL: supabase.url, SUPABASE_SERVICE_KEY: supabase.serviceKey },
    { worker: false, queue: "memory" },
  );
});
afterAll(async () => {
  await agency?.stop();
  await supabase?.stop();
});

async function submit(email: string) {
  const res = await agency.api("/v1/intake", { method: "POST", json: anIntake({ email }) });
  expect(res.status).toBe(202);
  return (await res.json()) as { project_id: string; run_id: string };
}

const askLink = (email: string, redirect?: string) =>
  agency.api("/v1/portal/magic-links", { method: "POST", admin: true, json: { email, redirect } });

/** The token of the newest sign-in email to `email`. */
async function lastToken(email: string): Promise<string> {
  const { messages } = await (
    await agency.api(`/v1/outbox?to=${encodeURIComponent(email)}`, { admin: true })
  ).json();
  const mails = messages.filter((m: { subject: string }) => m.subject.includes("sign-in link"));
  expect(mails.length, `a sign-in email to ${email}`).toBeGreaterThan(0);
  const newest = mails[0]; // the outbox lists newest first
  const link = /https?:\/\/[^\s"]+\/portal\/auth\?token=[\w-]+/.exec(newest.text)?.[0];
  expect(link?.startsWith(`${PORTAL}/portal/auth?token=`)).toBe(true);
  return new URL(link!).searchParams.get("token")!;
}

const signIn = (token: string) =>
  agency.api("/v1/portal/sessions", { method: "POST", admin: true, json: { token } });

describe("portal sign-in through Supabase Auth (fake GoTrue on loopback)", () => {
  it("when a client asks for a link, then Supabase makes the token, the agency mails it, and it signs in once", async () => {
    await submit("Grace@Example.com");
    supabase.requests.length = 0;
    expect((await askLink("grace@example.com", "/portal/projects")).status).toBe(202);
    // No Auth user yet: generate_link says so, the agency creates a confirmed one and asks again.
    expect(supabase.requests).toEqual([
      "POST /auth/v1/admin/generate_link",
      "POST /auth/v1/admin/users",
      "POST /auth/v1/admin/generate_link",
    ]);
    expect(supabase.users.has("grace@example.com")).toBe(true);
    const token = await lastToken("grace@example.com");
    expect(token).toMatch(/^[0-9a-f]{56}$/); // Supabase's hashed_token, not one of ours

    const first = await signIn(token);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ email: "grace@example.com", redirect: "/portal/projects" });
    // verifyOtp made a Supabase session; the portal keeps its own cookie, so it is revoked again.
    expect(supabase.requests.slice(-2)).toEqual(["POST /auth/v1/verify", "POST /auth/v1/logout"]);

    const again = await signIn(token);
    expect(again.status).toBe(401);
    expect((await again.json()).message).toMatch(/already used or expired/);
  });

  it("when the client already has an Auth user, then the link is made without creating one", async () => {
    supabase.requests.length = 0;
    expect((await askLink("grace@example.com")).status).toBe(202);
    expect(supabase.requests).toEqual(["POST /auth/v1/admin/generate_link"]);
  });

  it("when Supabase Auth refuses the token (expired there), then the sign-in is 401", async () => {
    supabase.otpExpirySeconds = -1;
    try {
      expect((await askLink("grace@example.com")).status).toBe(202);
    } finally {
      supabase.otpExpirySeconds = 3600;
    }
    const res = await signIn(await lastToken("grace@example.com"));
    expect(res.status).toBe(401);
  });

  it("when a token is not one the agency mailed, then Supabase is not asked and it is 401", async () => {
    supabase.requests.length = 0;
    const res = await signIn("f".repeat(56));
    expect(res.status).toBe(401);
    expect(supabase.requests).toEqual([]);
  });

  it("when the address has no project, then nothing reaches Supabase and nothing is sent", async () => {
    supabase.requests.length = 0;
    expect((await askLink("stranger@example.com")).status).toBe(202);
    expect(supabase.requests).toEqual([]);
    expect(supabase.users.has("stranger@example.com")).toBe(false);
    const outbox = await (await agency.api("/v1/outbox?to=stranger@example.com", { admin: true })).json();
    expect(outbox.messages).toEqual([]);
  });

  it("when Supabase is down, then asking and signing in answer 503 and the link works once it is back", async () => {
    expect((await askLink("grace@example.com")).status).toBe(202);
    const token = await lastToken("grace@example.com");
    supabase.unavailable = true;
    try {
      const ask = await askLink("grace@example.com");
      expect(ask.status).toBe(503);
      expect((await ask.json()).error).toBe("sign_in_unavailable");
      expect((await signIn(token)).status).toBe(503);
    } finally {
      supabase.unavailable = false;
    }
    expect((await signIn(token)).status).toBe(200);
  });

  it("when Supabase Auth rate-limits the check, then the sign-in is 503 and does not use up the link", async () => {
    await submit("lin@example.com"); // an address of its own: the per-mailbox limit is 5 links
    expect((await askLink("lin@example.com")).status).toBe(202);
    const token = await lastToken("lin@example.com");
    supabase.verifyRateLimited = true;
    try {
      expect((await signIn(token)).status).toBe(503);
    } finally {
      supabase.verifyRateLimited = false;
    }
    expect((await signIn(token)).status).toBe(200);
  });

  it("when one address asks too often, then the agency's own limit answers 429 as without Supabase", async () => {
    await submit("hopper@example.com");
    for (let i = 0; i < MAGIC_LINKS_PER_WINDOW; i++)
      expect((await askLink("hopper@example.com")).status).toBe(202);
    supabase.requests.length = 0;
    const limited = await askLink("hopper@example.com");
    expect(limited.status).toBe(429);
    expect(supabase.requests).toEqual([]);
  });
});

describe("artifacts in Supabase Storage (fake Storage API on loopback)", () => {
  it("when a run's file is stored, then it lands in the bucket, the portal reads it back, and /v1/assets signs a Storage URL", async () => {
    const { project_id, run_id } = await submit("files@example.com");
    const key = `docs/${project_id}/${run_id}/prd.md`;
    const stored = await agency.agency.assets.put(key, "# PRD\n", "text/markdown; charset=utf-8");
    expect(supabase.objects.get(`agency-assets/${key}`)?.body.toString()).toBe("# PRD\n");
    const { rows } = await agency.agency.pool.query<{ id: string }>(
      `INSERT INTO assets (project_id, run_id, step, kind, name, content_type, storage_key, size_bytes, sha256, offline_draft)
       VALUES ($1, $2, 'product_doc_writer', 'prd', 'prd.md', 'text/markdown; charset=utf-8', $3, $4, $5, true)
       RETURNING id`,
      [project_id, run_id, key, stored.sizeBytes, stored.sha256],
    );
    const file = await agency.api(`/v1/portal/runs/${run_id}/files/prd.md?email=files@example.com`, {
      admin: true,
    });
    expect(file.status).toBe(200);
    expect(await file.text()).toBe("# PRD\n");

    const asset = await (await agency.api(`/v1/assets/${rows[0]!.id}`)).json();
    expect(asset.url.startsWith(`${supabase.url}/storage/v1/object/sign/agency-assets/${key}?token=`)).toBe(
      true,
    );
    const signed = await fetch(asset.url);
    expect(signed.status).toBe(200);
    expect(await signed.text()).toBe("# PRD\n");
    // The local-folder route serves nothing when Storage holds the files.
    expect((await agency.api(`/v1/assets/local/${key}?expires=9999999999&sig=x`)).status).toBe(404);

    const health = await (await agency.api("/health")).json();
    expect(health.dependencies.storage).toBe("up");
  });
});
