/**
 * The portal's API over real HTTP: a real agency on the real Postgres, the Postgres outbox as the
 * mailer. No worker: these rules are about sign-in and ownership, not about runs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anIntake, startTestAgency, type TestAgency } from "@roboagency/testing/agency";
import { MAGIC_LINKS_PER_WINDOW } from "../../business-logic/portal-auth.ts";

let agency: TestAgency;
const PORTAL = "https://portal.example.test";

beforeAll(async () => {
  agency = await startTestAgency({ PUBLIC_PORTAL_URL: PORTAL }, { worker: false, queue: "memory" });
});
afterAll(async () => {
  await agency?.stop();
});

async function submit(email: string) {
  const res = await agency.api("/v1/intake", { method: "POST", json: anIntake({ email }) });
  expect(res.status).toBe(202);
  return (await res.json()) as { project_id: string; run_id: string };
}

async function signInLink(email: string): Promise<string> {
  const res = await agency.api(`/v1/outbox?to=${encodeURIComponent(email)}`, { admin: true });
  const { messages } = await res.json();
  const mail = messages.find((m: { subject: string }) => m.subject.includes("sign-in link"));
  expect(mail, `a sign-in email to ${email}`).toBeDefined();
  const link = /https?:\/\/[^\s"]+\/portal\/auth\?token=[\w-]+/.exec(mail.text)?.[0];
  expect(link).toBeDefined();
  return link!;
}

describe("POST /v1/portal/magic-links", () => {
  it("when called without the operator token, then it answers 401", async () => {
    const res = await agency.api("/v1/portal/magic-links", {
      method: "POST",
      json: { email: "a@example.com" },
    });
    expect(res.status).toBe(401);
  });

  it("when a client asks, then one email with a link to the portal goes out and its token signs in once", async () => {
    await submit("grace@example.com");
    const res = await agency.api("/v1/portal/magic-links", {
      method: "POST",
      admin: true,
      json: { email: "Grace@Example.com", redirect: "/portal/projects" },
    });
    expect(res.status).toBe(202);
    const link = await signInLink("Grace@Example.com");
    expect(link.startsWith(`${PORTAL}/portal/auth?token=`)).toBe(true);
    const token = new URL(link).searchParams.get("token");

    const first = await agency.api("/v1/portal/sessions", { method: "POST", admin: true, json: { token } });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ email: "Grace@Example.com", redirect: "/portal/projects" });
    const again = await agency.api("/v1/portal/sessions", { method: "POST", admin: true, json: { token } });
    expect(again.status).toBe(401);
    expect((await again.json()).message).toMatch(/already used or expired/);
  });

  it("when the database keeps the token, then only its hash is stored", async () => {
    const link = await signInLink("grace@example.com");
    const token = new URL(link).searchParams.get("token")!;
    const { rows } = await agency.agency.pool.query("SELECT token_hash FROM portal_magic_links");
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.token_hash === token)).toBe(false);
  });

  it("when the address has no project, then it answers the same but sends nothing", async () => {
    const res = await agency.api("/v1/portal/magic-links", {
      method: "POST",
      admin: true,
      json: { email: "stranger@example.com" },
    });
    expect(res.status).toBe(202);
    const outbox = await (await agency.api("/v1/outbox?to=stranger@example.com", { admin: true })).json();
    expect(outbox.messages).toEqual([]);
  });

  it("when the redirect leaves the portal, then it is refused naming the field", async () => {
    for (const redirect of ["https://evil.example/portal", "//evil.example", "/portal/../admin", "/ops"]) {
      const res = await agency.api("/v1/portal/magic-links", {
        method: "POST",
        admin: true,
        json: { email: "grace@example.com", redirect },
      });
      expect(res.status, redirect).toBe(422);
      expect((await res.json()).fields[0].field).toBe("redirect");
    }
  });

  it("when one address asks too often, then it is rate limited with 429", async () => {
    await submit("hopper@example.com");
    const ask = () =>
      agency.api("/v1/portal/magic-links", {
        method: "POST",
        admin: true,
        json: { email: "hopper@example.com" },
      });
    for (let i = 0; i < MAGIC_LINKS_PER_WINDOW; i++) expect((await ask()).status).toBe(202);
    const limited = await ask();
    expect(limited.status).toBe(429);
    expect((await limited.json()).fields[0].field).toBe("email");
  });

  it("when many links for one mailbox are asked for at once, with +tags and dots, then at most the limit are made", async () => {
    await submit("ida.lovelace@gmail.com");
    const variants = ["ida.lovelace@gmail.com", "idalovelace+a@gmail.com", "I.D.A.lovelace+b@googlemail.com"];
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        agency.api("/v1/portal/magic-links", {
          method: "POST",
          admin: true,
          json: { email: variants[i % variants.length] },
        }),
      ),
    );
    expect(answers.filter((r) => r.status === 202)).toHaveLength(MAGIC_LINKS_PER_WINDOW);
    const { rows } = await agency.agency.pool.query(
      "SELECT count(*)::int AS n FROM portal_magic_links WHERE lower(replace(split_part(email, '@', 1), '.', '')) LIKE 'idalovelace%'",
    );
    expect(rows[0].n).toBe(MAGIC_LINKS_PER_WINDOW);
  });
});

describe("POST /v1/portal/magic-links, the agency's hourly budget", () => {
  let small: TestAgency;
  beforeAll(async () => {
    small = await startTestAgency(
      { PUBLIC_PORTAL_URL: PORTAL, AGENCY_SIGN_IN_EMAILS_PER_HOUR: "2" },
      { worker: false, queue: "memory" },
    );
  });
  afterAll(async () => {
    await small?.stop();
  });
  const ask = (email: string) =>
    small.api("/v1/portal/magic-links", { method: "POST", admin: true, json: { email } });

  it("when the agency has sent its sign-in emails for the hour, then known and unknown addresses alike get 429", async () => {
    for (const email of ["k1@example.com", "k2@example.com", "k3@example.com"]) {
      expect((await small.api("/v1/intake", { method: "POST", json: anIntake({ email }) })).status).toBe(202);
    }
    expect((await ask("k1@example.com")).status).toBe(202);
    expect((await ask("nobody@example.com")).status).toBe(202); // unknown: nothing sent, nothing spent
    expect((await ask("k2@example.com")).status).toBe(202);
    for (const email of ["k3@example.com", "nobody-else@example.com"]) {
      const refused = await ask(email);
      expect(refused.status, email).toBe(429);
      expect((await refused.json()).error).toBe("capacity_reached");
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    const { rows } = await small.agency.pool.query("SELECT count(*)::int AS n FROM outbox_messages");
    expect(rows[0].n).toBe(2);
  });
});

describe("GET /v1/portal/projects", () => {
  it("when a client reads projects, then only their own are listed and another's project is not found", async () => {
    const a = await submit("client-a@example.com");
    const b = await submit("client-b@example.com");
    const list = await (
      await agency.api("/v1/portal/projects?email=CLIENT-A@example.com", { admin: true })
    ).json();
    expect(list.projects.map((p: { id: string }) => p.id)).toEqual([a.project_id]);
    expect(list.projects[0].latest_run).toMatchObject({ id: a.run_id, status: "queued" });

    const own = await agency.api(`/v1/portal/projects/${a.project_id}?email=client-a@example.com`, {
      admin: true,
    });
    expect(own.status).toBe(200);
    expect((await own.json()).latest_run.steps).toHaveLength(8);
    const other = await agency.api(`/v1/portal/projects/${b.project_id}?email=client-a@example.com`, {
      admin: true,
    });
    expect(other.status).toBe(404);
  });

  it("when the email is missing or malformed, then it answers 422 naming it", async () => {
    const res = await agency.api("/v1/portal/projects?email=nope", { admin: true });
    expect(res.status).toBe(422);
    expect((await res.json()).fields[0].field).toBe("email");
  });
});

describe("GET /v1/portal/runs/:runId/files/*name", () => {
  it("when the file is stored, then its body comes back with its content type; otherwise 404", async () => {
    const { project_id, run_id } = await submit("files@example.com");
    const key = `docs/${project_id}/${run_id}/prd.md`;
    const stored = await agency.agency.assets.put(key, "# PRD\n", "text/markdown; charset=utf-8");
    await agency.agency.pool.query(
      `INSERT INTO assets (project_id, run_id, step, kind, name, content_type, storage_key, size_bytes, sha256, offline_draft)
       VALUES ($1, $2, 'product_doc_writer', 'prd', 'prd.md', 'text/markdown; charset=utf-8', $3, $4, $5, true)`,
      [project_id, run_id, key, stored.sizeBytes, stored.sha256],
    );
    const res = await agency.api(`/v1/portal/runs/${run_id}/files/prd.md`, { admin: true });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/markdown/);
    expect(await res.text()).toBe("# PRD\n");
    expect((await agency.api(`/v1/portal/runs/${run_id}/files/missing.md`, { admin: true })).status).toBe(
      404,
    );
    expect((await agency.api(`/v1/portal/runs/${run_id}/files/prd.md`)).status).toBe(401);
  });
});
