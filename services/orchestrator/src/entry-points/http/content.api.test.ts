/**
 * The content routes over real HTTP on a real agency (real Postgres, the outbox mailer, the
 * dry-run posting adapter). The worker is off: leads come from intakes, no pipeline runs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anIntake, startTestAgency, type TestAgency } from "@roboagency/testing/agency";
import { unsubscribeToken } from "../../business-logic/subscriptions.ts";
import { keysOf } from "../../business-logic/keys.ts";

let t: TestAgency;
beforeAll(async () => {
  t = await startTestAgency(
    { PUBLIC_PORTAL_URL: "https://portal.example" },
    { worker: false, queue: "memory" },
  );
});
afterAll(async () => t?.stop());

const publish = (overrides: Record<string, unknown> = {}) => ({
  source: "wagtail",
  page: {
    id: 7,
    title: "How we test against real services",
    meta: { html_url: "https://agency.example/blog/real-services" },
    body: "<p>Our tests start real Postgres and real Redis. Fakes stand in only for vendors we cannot reach. The suite stays fast because each test file gets its own database.</p>",
    tags: ["testing"],
  },
  start_at: new Date(Date.now() - 60_000).toISOString(),
  offsets_minutes: { x: 0, linkedin: 0, instagram: 0, youtube: 0 },
  ...overrides,
});

async function lead(email: string) {
  const res = await t.api("/v1/intake", { method: "POST", json: anIntake({ email }) });
  expect(res.status).toBe(202);
  return (await res.json()) as { lead_id: string; project_id: string; run_id: string };
}

/** A stored campaign email of the project whose text links to `unsubscribe`. */
async function campaignEmailLinking(
  p: { project_id: string; run_id: string },
  email: string,
  unsubscribe: string,
) {
  const { rows } = await t.agency.pool.query<{ id: string }>(
    "INSERT INTO campaigns (project_id, run_id) VALUES ($1, $2) RETURNING id",
    [p.project_id, p.run_id],
  );
  await t.agency.pool.query(
    `INSERT INTO campaign_emails (campaign_id, project_id, step, position, to_email, subject, preheader,
                                  html, text_body, send_after, idempotency_key)
     VALUES ($1, $2, 'demo', 1, $3, 'Your demo', 'Demo', '<p>Demo</p>', $4, now() + interval '1 day', $5)`,
    [
      rows[0]!.id,
      p.project_id,
      email,
      `Your demo.\n\nUnsubscribe: ${unsubscribe}\n`,
      `campaign-${rows[0]!.id}-demo`,
    ],
  );
}

describe("content distribution API", () => {
  it("when a publish event arrives without the operator token, then 401; with a bad body, 422 naming fields", async () => {
    expect((await t.api("/v1/content", { method: "POST", json: publish() })).status).toBe(401);
    const bad = await t.api("/v1/content", {
      method: "POST",
      json: { source: "wagtail", page: {} },
      admin: true,
    });
    expect(bad.status).toBe(422);
    expect((await bad.json()).fields.map((f: { field: string }) => f.field)).toEqual(
      expect.arrayContaining(["page.id", "page.title", "page.meta.html_url", "page.body"]),
    );
  });

  it("when a publish names media badly, then 422 names video_url, image_url and project_id, and nothing is stored", async () => {
    const bad = await t.api("/v1/content", {
      method: "POST",
      json: publish({
        page: { ...publish().page, id: 99 },
        video_url: "http://insecure.example/v.mp4",
        image_url: 7,
        project_id: "00000000-0000-4000-8000-000000000000",
      }),
      admin: true,
    });
    expect(bad.status).toBe(422);
    expect((await bad.json()).fields.map((f: { field: string }) => f.field)).toEqual([
      "video_url",
      "image_url",
      "project_id",
    ]);
    const { rows } = await t.agency.pool.query("SELECT 1 FROM content_pieces WHERE external_id = '99'");
    expect(rows).toHaveLength(0);
  });

  it("when a piece is published twice and posts dispatched twice, then four posts are recorded once each by the dry-run adapter", async () => {
    const first = await t.api("/v1/content", { method: "POST", json: publish(), admin: true });
    expect(first.status).toBe(201);
    const content = await first.json();
    expect(content.posts).toHaveLength(4);
    expect(content.keywords[0]).toBe("testing");
    const again = await t.api("/v1/content", { method: "POST", json: publish(), admin: true });
    expect(again.status).toBe(200);
    expect((await again.json()).id).toBe(content.id);

    const dispatched = await t.api("/v1/content/posts/dispatch", { method: "POST", admin: true });
    expect(await dispatched.json()).toEqual({ attempted: 4, posted: 4, failed: 0 });
    const twice = await t.api("/v1/content/posts/dispatch", { method: "POST", admin: true });
    expect(await twice.json()).toEqual({ attempted: 0, posted: 0, failed: 0 });

    const after = await (await t.api(`/v1/content/${content.id}`, { admin: true })).json();
    expect(after.posts.map((p: { status: string; adapter: string }) => [p.status, p.adapter])).toEqual(
      Array(4).fill(["posted", "dry-run"]),
    );
    const { rows } = await t.agency.pool.query(
      "SELECT platform, payload FROM dry_run_posts ORDER BY platform",
    );
    expect(rows.map((r) => r.platform)).toEqual(["instagram", "linkedin", "x", "youtube"]);
    expect(rows.find((r) => r.platform === "x")!.payload.text).toContain(
      "https://agency.example/blog/real-services",
    );
  });

  it("when a post waits for an operator, then the operator records its id or requeues it, and no other post can be resolved", async () => {
    const content = await (
      await t.api("/v1/content", {
        method: "POST",
        json: publish({ page: { ...publish().page, id: 11 } }),
        admin: true,
      })
    ).json();
    const [x, linkedin] = ["x", "linkedin"].map(
      (p) => content.posts.find((q: { platform: string }) => q.platform === p).id,
    );
    await t.agency.pool.query(
      "UPDATE social_posts SET status = 'needs_operator', in_flight_since = now() WHERE id = ANY($1::uuid[])",
      [[x, linkedin]],
    );
    const resolve = (id: string, json: unknown, admin = true) =>
      t.api(`/v1/content/posts/${id}/resolve`, { method: "POST", json, admin });
    expect((await resolve(x, { external_id: "1800" }, false)).status).toBe(401);
    const none = await resolve(x, {});
    expect(none.status).toBe(422);
    expect((await none.json()).fields[0].field).toBe("external_id");
    expect((await resolve(x, { external_id: "1800" })).status).toBe(200);
    expect((await resolve(linkedin, { requeue: true })).status).toBe(200);
    // Resolved once: a second answer is a conflict, not a second post.
    expect((await resolve(x, { requeue: true })).status).toBe(409);
    expect((await resolve("00000000-0000-4000-8000-000000000000", { requeue: true })).status).toBe(404);
    const after = await (await t.api(`/v1/content/${content.id}`, { admin: true })).json();
    const byPlatform = Object.fromEntries(after.posts.map((p: { platform: string }) => [p.platform, p]));
    expect(byPlatform.x).toMatchObject({ status: "posted", external_id: "1800" });
    expect(byPlatform.linkedin).toMatchObject({ status: "scheduled", external_id: null });
  });

  it("when the newsletter goes out, then each subscribed address gets it once and unsubscribed ones get nothing", async () => {
    const ada = await lead("ada@example.com");
    await lead("ADA@example.com"); // the same person, a second idea
    await lead("grace@example.com");
    const bob = await lead("bob@example.com");

    // The campaign email's link carries the lead's signed token.
    const off = await t.api("/v1/unsubscribe", {
      method: "POST",
      json: { token: unsubscribeToken(keysOf(t.agency.config).signing("unsubscribe"), bob.lead_id) },
    });
    expect(off.status).toBe(200);
    expect(await off.json()).toEqual({ unsubscribed: true });

    const content = await (
      await t.api("/v1/content", {
        method: "POST",
        json: publish({ page: { ...publish().page, id: 8 } }),
        admin: true,
      })
    ).json();
    const sent = await (
      await t.api(`/v1/content/${content.id}/newsletter/send`, { method: "POST", admin: true })
    ).json();
    expect(sent).toEqual({ recipients: 2, sent: 2, already_sent: 0, failed: 0, skipped_unsubscribed: 0 });
    const resent = await (
      await t.api(`/v1/content/${content.id}/newsletter/send`, { method: "POST", admin: true })
    ).json();
    expect(resent).toMatchObject({ sent: 0, already_sent: 2 });

    const outbox = (await (await t.api("/v1/outbox", { admin: true })).json()).messages as Array<{
      to: string;
      subject: string;
      text: string;
    }>;
    const newsletters = outbox.filter((m) => m.subject === "How we test against real services");
    expect(newsletters.map((m) => m.to.toLowerCase()).sort()).toEqual([
      "ada@example.com",
      "grace@example.com",
    ]);
    const adaMail = newsletters.find((m) => m.to.toLowerCase() === "ada@example.com")!;
    expect(adaMail.text).toContain("https://portal.example/unsubscribe?token=");

    // The newsletter's own signed link unsubscribes too, by form post as mail clients do (RFC 8058).
    const token = unsubscribeToken(keysOf(t.agency.config).signing("unsubscribe"), ada.lead_id);
    const oneClick = await fetch(`${t.url}/v1/unsubscribe?token=${encodeURIComponent(token)}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(oneClick.status).toBe(200);
    const { rows } = await t.agency.pool.query(
      "SELECT lower(email) AS email, count(*)::int AS n FROM leads WHERE unsubscribed_at IS NOT NULL GROUP BY 1 ORDER BY 1",
    );
    expect(rows).toEqual([
      { email: "ada@example.com", n: 2 },
      { email: "bob@example.com", n: 1 },
    ]);
  });

  it("when only the project id of a project whose emails link with a token is sent, then 422 asks for the token and nobody is unsubscribed", async () => {
    const carol = await lead("carol@example.com");
    const token = unsubscribeToken(keysOf(t.agency.config).signing("unsubscribe"), carol.lead_id);
    await campaignEmailLinking(
      carol,
      "carol@example.com",
      `https://portal.example/unsubscribe?token=${token}`,
    );
    // The run's public status shows the project id: it must not be enough.
    const run = await (await t.api(`/v1/runs/${carol.run_id}`)).json();
    const res = await t.api("/v1/unsubscribe", { method: "POST", json: { project_id: run.project_id } });
    expect(res.status).toBe(422);
    expect((await res.json()).fields[0].field).toBe("token");
    const { rows } = await t.agency.pool.query("SELECT unsubscribed_at FROM leads WHERE id = $1", [
      carol.lead_id,
    ]);
    expect(rows[0].unsubscribed_at).toBeNull();
  });

  it("when an email sent before tokens links with the project id, then that link still unsubscribes", async () => {
    const dave = await lead("dave@example.com");
    await campaignEmailLinking(
      dave,
      "dave@example.com",
      `https://portal.example/unsubscribe?project=${dave.project_id}`,
    );
    const res = await t.api("/v1/unsubscribe", { method: "POST", json: { project_id: dave.project_id } });
    expect(res.status).toBe(200);
    const { rows } = await t.agency.pool.query("SELECT unsubscribed_at FROM leads WHERE id = $1", [
      dave.lead_id,
    ]);
    expect(rows[0].unsubscribed_at).toBeInstanceOf(Date);
  });

  it("when an unsubscribe is forged or malformed, then it is refused and nobody is unsubscribed", async () => {
    const before = await t.agency.pool.query(
      "SELECT count(*)::int AS n FROM leads WHERE unsubscribed_at IS NOT NULL",
    );
    const forged = await t.api("/v1/unsubscribe", {
      method: "POST",
      json: { token: `5d6a2c1e-6b5f-4c39-8a1e-0f3c2b7d9e11.${"A".repeat(32)}` },
    });
    expect(forged.status).toBe(400);
    expect((await forged.json()).fields[0].field).toBe("token");
    const bad = await t.api("/v1/unsubscribe", { method: "POST", json: { project_id: "not-a-uuid" } });
    expect(bad.status).toBe(422);
    const unknown = await t.api("/v1/unsubscribe", {
      method: "POST",
      json: { project_id: "5d6a2c1e-6b5f-4c39-8a1e-0f3c2b7d9e11" },
    });
    expect(unknown.status).toBe(404);
    const none = await t.api("/v1/unsubscribe", { method: "POST", json: {} });
    expect(none.status).toBe(422);
    const after = await t.agency.pool.query(
      "SELECT count(*)::int AS n FROM leads WHERE unsubscribed_at IS NOT NULL",
    );
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });
});
