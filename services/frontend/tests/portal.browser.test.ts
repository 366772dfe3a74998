/**
 * The portal end to end in a real browser: Debian's headless Chromium driven by playwright-core,
 * against the built portal (startPortal) and a real agency (API and worker on the real Postgres
 * and Redis, the Postgres outbox as mailer, the offline drafting model). Nothing is faked.
 * Every page is checked with axe-core; screenshots go to test-results/screenshots/.
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchChromium } from "@roboagency/testing/browser";
import { freePort } from "@roboagency/testing/ports";
import { anIntake, eventually, startTestAgency, type TestAgency } from "@roboagency/testing/agency";
import { BUILD_DIR, startPortal, type RunningPortal } from "../start.ts";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const SHOTS = path.join(ROOT, "test-results/screenshots");
const AXE = readFileSync(path.join(ROOT, "node_modules/axe-core/axe.min.js"), "utf8");
const SECRET_KEY = "portal-browser-test-secret-key-0123456789";

let agency: TestAgency;
let portal: RunningPortal;
let browser: Browser;
/** CSP reports and page errors seen by any page; each test expects none. */
const problems: string[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const port = await freePort();
  agency = await startTestAgency({
    PUBLIC_PORTAL_URL: `http://127.0.0.1:${port}`,
    // Both gates, as in production: the client's run waits for an operator twice.
    AGENCY_REVIEW_GATES: "prd_review,campaign_review",
  });
  portal = await startPortal({
    port,
    apiUrl: agency.url,
    adminToken: agency.adminToken,
    portalToken: agency.portalToken,
    secretKey: SECRET_KEY,
  });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await portal?.stop();
  await agency?.stop();
});

async function newPage(
  options: { javaScriptEnabled?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  // A failing test leaves a picture of where it stopped.
  onTestFailed(async ({ task }) => {
    if (!page.isClosed())
      await shot(page, `failed-${task.name.slice(5, 60).replace(/\W+/g, "-")}`).catch(() => undefined);
  });
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`${page.url()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`${page.url()}: ${e.message}`));
  return { context, page };
}

/** axe-core on the current page; serious and critical violations fail the test, named. */
async function expectAccessible(page: Page) {
  // evaluate is not subject to the page's CSP, so axe runs without weakening it.
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            ctx: unknown,
            opts: unknown,
          ): Promise<{
            violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }>;
          }>;
        };
      }
    ).axe;
    const result = await axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21aa", "best-practice"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
    }));
  });
  const severe = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(severe, `axe on ${page.url()}`).toEqual([]);
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

async function signInLink(email: string): Promise<string> {
  return eventually(async () => {
    const res = await agency.api(`/v1/outbox?to=${encodeURIComponent(email)}`, { admin: true });
    const { messages } = await res.json();
    const mail = messages.find((m: { subject: string }) => /sign-in link/.test(m.subject));
    return mail ? /https?:\/\/\S+\/portal\/auth\?token=[\w-]+/.exec(mail.text)?.[0] : undefined;
  }, 10_000);
}

async function operatorSignIn(page: Page, next: string) {
  await page.goto(`${portal.url}/ops/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Operator name").fill("admin");
  await page.getByLabel("Password").fill(agency.adminToken);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`**${next}`);
}

/** Signs in through the newest emailed link; `askFor` first asks for a new one leading there. */
async function signIn(page: Page, email: string, askFor?: string) {
  if (askFor) {
    const asked = await agency.api("/v1/portal/magic-links", {
      method: "POST",
      admin: true,
      json: { email, redirect: askFor },
    });
    expect(asked.status).toBe(202);
  }
  await page.goto(await signInLink(email));
  await expectAccessible(page);
  await page.getByRole("button", { name: "Continue to my projects" }).click();
}

describe("portal in a browser", () => {
  let projectUrl = "";
  const email = "ada.browser@example.com";

  it("when a visitor fills the intake with JavaScript, then each step validates inline and the confirmation links to the portal", async () => {
    const { context, page } = await newPage();
    await page.goto(portal.url + "/");
    await expectAccessible(page);
    await shot(page, "intake");

    // Step 1 refuses to move on without a sector, and says so next to it.
    await page.getByRole("button", { name: "Next" }).click();
    await expect.poll(() => page.locator("#sector-error").textContent()).toContain("Pick a sector");
    await page.getByRole("radio", { name: /SaaS/i }).check();
    await page.getByRole("button", { name: "Next" }).click();

    await page.getByLabel("Email").fill("not-an-email");
    await page.getByLabel("Email").blur();
    await expect.poll(() => page.locator("#email-error").textContent()).toContain("valid email address");
    await expectAccessible(page);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Your name").fill("Ada Lovelace");
    await page.getByLabel("Company").fill("Analytical Engines Ltd");
    await page.getByRole("button", { name: "Next" }).click();

    await page.getByLabel("Your idea").fill("Too short");
    await page.getByRole("button", { name: "Next" }).click();
    await expect.poll(() => page.locator("#idea-error").textContent()).toContain("at least 20 characters");
    await page.getByLabel("Your idea").fill(anIntake().idea);
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByLabel("What should it achieve?").fill("Cut no-show losses by half within six months");
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByLabel("Budget").fill("$20k");
    await page.getByLabel("Timeline").fill("8 weeks");
    await page.getByRole("button", { name: "Start my project" }).click();

    await page.getByRole("heading", { name: /your project has started/ }).waitFor();
    expect(await page.textContent("main")).toContain(email);
    await expectAccessible(page);
    await shot(page, "intake-confirmation");
    projectUrl = (await page.getByRole("link", { name: "Open your client portal" }).getAttribute("href"))!;
    expect(projectUrl).toMatch(/^\/portal\/projects\/[0-9a-f-]{36}$/);
    await context.close();
  });

  it("when the client follows the emailed link, then they watch the run complete and open every artifact", async () => {
    const { context, page } = await newPage();
    await signIn(page, email);
    await page.waitForURL(`**${projectUrl}`);
    const cookie = (await context.cookies()).find((c) => c.name === "agency_client")!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax" });

    // The run stops at each review gate (after the PRD, before the campaign): the client sees it
    // waiting, an operator approves it in the console, and the client's page moves on by itself.
    const projectId = projectUrl.split("/").pop()!;
    const ops = await newPage();
    await operatorSignIn(ops.page, `/ops/projects/${projectId}`);
    let approved = 0;
    const status = () => page.getByTestId("run-status").getAttribute("data-status");
    const deadline = Date.now() + 150_000;
    while ((await status()) !== "completed") {
      expect(Date.now() < deadline, `run still ${await status()}`).toBe(true);
      if ((await status()) === "awaiting_review") {
        await page.getByRole("heading", { name: "Under review" }).waitFor();
        if (approved === 0) {
          await expectAccessible(page);
          await shot(page, "portal-awaiting-review");
        }
        await ops.page.goto(`${portal.url}/ops/projects/${projectId}`);
        await ops.page.getByRole("heading", { name: /^Review gate/ }).waitFor();
        if (approved === 0) {
          await expectAccessible(ops.page);
          await shot(ops.page, "ops-review-gate");
        }
        await ops.page.getByRole("button", { name: "Approve" }).click();
        await ops.page.getByText("Approved: the run goes on.").waitFor();
        approved++;
        await expect.poll(status, { timeout: 30_000 }).not.toBe("awaiting_review");
      }
      await page.waitForTimeout(300);
    }
    expect(approved).toBe(2);
    await ops.context.close();
    await page.locator("#a-okrs").waitFor();
    expect(await page.locator('[data-step][data-state="completed"]').count()).toBe(8);
    // The live progress the page follows, relayed through this origin: full states, then the end.
    const stream = await page.request.get(`${portal.url}${projectUrl}/events`);
    expect(stream.headers()["content-type"]).toMatch(/^text\/event-stream/);
    const events = await stream.text();
    expect(events).toMatch(/^event: run\ndata: \{.*"status":"completed"/m);
    expect(events).toContain("event: end");

    for (const id of [
      "brief",
      "market",
      "prd",
      "wireframes",
      "prototype",
      "explainer",
      "campaign",
      "okrs",
      "quality",
    ]) {
      expect(await page.locator(`h2#a-${id}`).count(), id).toBe(1);
    }
    expect(await page.locator("section[aria-labelledby=a-prd] .prose-doc h2").count()).toBeGreaterThan(2);
    // Every wireframe image loads through the signed file link.
    const images = page.locator('img[alt^="Wireframe"]');
    expect(await images.count()).toBeGreaterThan(0);
    await page.locator("#a-wireframes").scrollIntoViewIfNeeded();
    await expect
      .poll(() => images.evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth > 0)))
      .toBe(true);

    // The prototype runs scripts in its sandbox, without this origin's rights.
    const frame = page.locator('iframe[title="Clickable prototype"]');
    expect(await frame.getAttribute("sandbox")).toBe("allow-scripts");
    await frame.scrollIntoViewIfNeeded();
    const frameOf = (part: string) => page.frames().find((f) => f.url().includes(part));
    // innerText leaves out <noscript>: text here means the prototype's own script rendered it.
    await expect
      .poll(() => frameOf("prototype/index.html")?.evaluate(() => document.body.innerText.trim().length), {
        timeout: 15_000,
      })
      .toBeGreaterThan(20);
    expect(await frameOf("prototype/index.html")!.evaluate(() => origin)).toBe("null");
    // Full-page captures leave out-of-process frames blank, so the prototype gets its own picture.
    await page
      .locator("section[aria-labelledby=a-prototype]")
      .screenshot({ path: path.join(SHOTS, "portal-prototype.png") });

    await page.locator('iframe[title="Explainer"]').scrollIntoViewIfNeeded();
    await expect
      .poll(() => frameOf("explainer/index.html")?.evaluate(() => document.body.innerText.trim().length), {
        timeout: 15_000,
      })
      .toBeGreaterThan(20);
    // The narrated video, when this machine could render it (ffmpeg and espeak-ng), plays from here.
    if (await page.locator("video").count()) {
      await page.locator("video").scrollIntoViewIfNeeded();
      await expect
        .poll(() => page.locator("video").evaluate((v) => (v as HTMLVideoElement).duration), {
          timeout: 15_000,
        })
        .toBeGreaterThan(1);
    }
    expect(await page.getByTestId("quality-summary").textContent()).toMatch(/\d+ of \d+ gates/);

    // The three campaign emails, as they will look in an inbox.
    const previews = page.locator('iframe[title^="Preview of the"]');
    expect(await previews.count()).toBe(3);
    await previews.last().scrollIntoViewIfNeeded();
    for (const step of ["demo", "prototype", "calendar"]) {
      await expect
        .poll(() => frameOf(`campaign/${step}.html`)?.evaluate(() => document.body.innerText.trim().length), {
          timeout: 15_000,
        })
        .toBeGreaterThan(50);
    }

    // Every listed file answers through this origin with the sandboxing headers.
    const links = await page
      .locator("#a-files ~ ul a, section[aria-labelledby=a-files] a")
      .evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    expect(links.length).toBeGreaterThanOrEqual(10);
    for (const href of links) {
      const res = await page.request.get(href);
      expect(res.status(), href).toBe(200);
      expect(res.headers()["content-security-policy"]).toMatch(/^sandbox allow-scripts/);
    }
    await expectAccessible(page);
    await shot(page, "portal-project");
    await page.goto(portal.url + "/portal");
    await expectAccessible(page);
    await shot(page, "portal-projects");
    expect(problems.join("\n")).toBe("");
    await context.close();
  }, 200_000);

  it("when client A opens client B's project, then it is not found and nothing of it shows", async () => {
    const res = await agency.api("/v1/intake", {
      method: "POST",
      json: anIntake({
        email: "client-b@example.com",
        idea: "Client B's secret idea: a marketplace for vintage telescopes.",
      }),
    });
    const b = await res.json();
    const { context, page } = await newPage();
    await signIn(page, email, projectUrl);
    await page.waitForURL(`**${projectUrl}`);
    const answer = await page.goto(`${portal.url}/portal/projects/${b.project_id}`);
    expect(answer?.status()).toBe(404);
    expect(await page.textContent("body")).not.toContain("vintage telescopes");
    const events = await page.request.get(`${portal.url}/portal/projects/${b.project_id}/events`);
    expect(events.status()).toBe(404);
    await page.goto(portal.url + "/portal");
    expect(await page.textContent("main")).not.toContain("vintage telescopes");
    await context.close();
  });

  it("when JavaScript is disabled, then the intake works through the form action and keeps what was typed", async () => {
    const { context, page } = await newPage({ javaScriptEnabled: false });
    await page.goto(portal.url + "/");
    expect(await page.locator("fieldset:visible").count()).toBe(5);
    await page.getByRole("radio", { name: /SaaS/i }).check();
    await page.getByLabel("Email").fill("nojs@example.com");
    await page.getByLabel("Company").fill("Plain Forms Co");
    await page.getByLabel("Your idea").fill("Too short");
    await page.getByRole("button", { name: "Start my project" }).click();
    await page.waitForLoadState();
    expect(await page.locator("#idea-error").textContent()).toContain("at least 20 characters");
    expect(await page.getByLabel("Company").inputValue()).toBe("Plain Forms Co");
    expect(await page.getByLabel("Your idea").inputValue()).toBe("Too short");
    // (axe needs JavaScript; the same page with it is checked above.)
    await shot(page, "intake-no-js-error");
    await page
      .getByLabel("Your idea")
      .fill("A booking system for community sports halls with waitlists and reminders.");
    await page.getByRole("button", { name: "Start my project" }).click();
    await page.getByRole("heading", { name: /your project has started/ }).waitFor();
    await signInLink("nojs@example.com");
    await context.close();
  });

  it("when an operator signs in, then the console shows health, the run, its timeline and the outbox", async () => {
    const { context, page } = await newPage();
    await page.goto(portal.url + "/ops");
    await page.waitForURL("**/ops/login?next=%2Fops");
    await expectAccessible(page);
    await shot(page, "ops-login");
    await page.getByLabel("Operator name").fill("admin");
    await page.getByLabel("Password").fill("wrong-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("do not match an operator").waitFor();
    await page.getByLabel("Operator name").fill("admin");
    await page.getByLabel("Password").fill(agency.adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(portal.url + "/ops");
    expect(await page.getByTestId("health-status").textContent()).toContain("healthy");
    await expectAccessible(page);
    await shot(page, "ops-overview");

    const projectId = projectUrl.split("/").pop()!;
    await page.goto(portal.url + "/ops/runs?status=completed");
    const row = page.locator("tr", { has: page.locator(`a[href="/ops/projects/${projectId}"]`) });
    expect(await row.count()).toBeGreaterThan(0);
    await expectAccessible(page);
    await shot(page, "ops-runs");
    await row.first().locator("a").first().click();
    await page.getByRole("heading", { name: "Timeline" }).waitFor();
    expect(await page.getByTestId("run-status").getAttribute("data-status")).toBe("completed");
    await expectAccessible(page);
    await shot(page, "ops-run");

    await page.goto(`${portal.url}/ops/projects/${projectId}`);
    await expectAccessible(page);
    await page.getByRole("button", { name: "Run the workflow again" }).click();
    await page.getByText(/is queued/).waitFor();
    await shot(page, "ops-project");

    await page.goto(`${portal.url}/ops/leads?email=${encodeURIComponent(email)}`);
    expect(await page.textContent("main")).toContain(email);
    await expectAccessible(page);
    await page.goto(`${portal.url}/ops/outbox?to=${encodeURIComponent(email)}`);
    expect(await page.textContent("main")).toContain("Your sign-in link to RoboAgency");
    await expectAccessible(page);
    await shot(page, "ops-outbox");
    expect(problems.join("\n")).toBe("");
    await context.close();
  });

  it("when a visitor uses only the keyboard, then they reach the form and each step moves focus to its title", async () => {
    const { context, page } = await newPage();
    await page.goto(portal.url + "/");
    // "load" can come before the scripts have turned the form into steps (on a busy machine it
    // did); the Next button exists only then. A visitor who starts earlier has a test of its own.
    await page.getByRole("button", { name: "Next" }).waitFor();
    const focusedText = () => page.evaluate(() => document.activeElement?.textContent?.trim());
    await page.keyboard.press("Tab");
    await expect.poll(focusedText).toBe("Skip to content");
    await page.keyboard.press("Enter");
    // Tab from the main landmark into the sector radios; arrows pick one, as in any radio group.
    let guard = 0;
    while (
      (await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.type)) !== "radio" &&
      guard++ < 20
    ) {
      await page.keyboard.press("Tab");
    }
    await page.keyboard.press("Space");
    await page.keyboard.press("ArrowDown");
    const picked = await page.evaluate(
      () => (document.querySelector("input[name=sector]:checked") as HTMLInputElement).value,
    );
    expect(picked).not.toBe("");
    await page.keyboard.press("Tab");
    await expect.poll(focusedText).toBe("Next");
    await page.keyboard.press("Enter");
    await expect.poll(focusedText).toBe("Contact");
    await context.close();
  });

  it("when a keyboard visitor starts before the scripts have run, then the field they are in keeps focus and what they entered is kept once the form turns into steps", async () => {
    const { context, page } = await newPage();
    // The page's scripts are held back until the visitor is in the second step's fields: a slow
    // device or network, made deterministic.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    await context.route(/\/_app\/immutable\/.*\.js$/, async (route) => {
      await released;
      await route.continue();
    });
    await page.goto(portal.url + "/", { waitUntil: "domcontentloaded" });
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute("name") ?? "");
    await page.getByRole("radio").first().focus();
    await page.keyboard.press("Space");
    const picked = await page.evaluate(
      () => (document.querySelector("input[name=sector]:checked") as HTMLInputElement).value,
    );
    expect(await page.getByText(/^Step 1 of \d+$/).count(), "the scripts have not run yet").toBe(0);
    // Without the scripts every step shows; Tab leaves the radio group for the contact fields.
    for (let guard = 0; (await focused()) !== "email" && guard < 20; guard++)
      await page.keyboard.press("Tab");
    await page.keyboard.type("early@example.com");

    release();
    await page.getByText(/^Step 2 of \d+$/).waitFor();
    expect(await focused()).toBe("email");
    expect(await page.getByLabel("Email").inputValue()).toBe("early@example.com");
    expect(
      await page.evaluate(
        () => (document.querySelector("input[name=sector]:checked") as HTMLInputElement)?.value,
      ),
    ).toBe(picked);
    expect(problems.join("\n")).toBe("");
    await context.close();
  });

  it("when a signed-out visitor opens the portal or the console, then they are sent to sign in", async () => {
    for (const [from, to] of [
      ["/portal", "/portal/login?next=%2Fportal"],
      [projectUrl, `/portal/login?next=${encodeURIComponent(projectUrl)}`],
      ["/ops/outbox", "/ops/login?next=%2Fops%2Foutbox"],
    ]) {
      const res = await fetch(portal.url + from, { redirect: "manual" });
      expect(res.status, from).toBe(303);
      expect(res.headers.get("location")).toBe(to);
    }
    const { context, page } = await newPage();
    // Served directly, the portal takes its origin from the address the browser used: localhost works too.
    await page.goto(portal.url.replace("127.0.0.1", "localhost") + "/portal/login");
    await expectAccessible(page);
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Email me a sign-in link" }).click();
    await page.getByText("a sign-in link is on its way").waitFor();
    await expectAccessible(page);
    await shot(page, "portal-login");
    await context.close();
  });
});

describe("portal security", () => {
  it("when a page is served, then it carries the CSP, frame-ancestors, nosniff and Referrer-Policy headers", async () => {
    const res = await fetch(portal.url + "/");
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("frame-src 'self'");
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).toMatch(/script-src 'self'( 'nonce-[^']+'| 'sha256-[^']+')*;/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
  });

  it("when a form is posted from another origin, then it is refused (CSRF)", async () => {
    for (const action of ["/", "/portal/login", "/ops/login", "/portal/auth"]) {
      const res = await fetch(portal.url + action, {
        method: "POST",
        headers: { origin: "https://evil.example", "content-type": "application/x-www-form-urlencoded" },
        body: "email=ada%40example.com&name=admin&password=x&token=x",
      });
      expect(res.status, action).toBe(403);
    }
  });

  it("when operator sign-ins keep failing, then they are rate limited", async () => {
    const attempt = () =>
      fetch(portal.url + "/ops/login", {
        method: "POST",
        headers: {
          origin: portal.url,
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        body: "name=mallory&password=guess",
      });
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await (await attempt()).json()).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it("when a file link is forged or for another run, then it is refused", async () => {
    const res = await fetch(
      `${portal.url}/files/${"a".repeat(20)}.${Math.floor(Date.now() / 1000) + 60}.forged/prd.md`,
    );
    expect(res.status).toBe(403);
  });

  it("when the client bundle is built, then it holds no secret nor the names of server settings", () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const full = path.join(dir, entry);
        if (statSync(full).isDirectory()) walk(full);
        else if (/\.(js|css|html|json)$/.test(entry)) files.push(full);
      }
    };
    walk(path.join(BUILD_DIR, "client"));
    expect(files.length).toBeGreaterThan(0);
    const bundle = files.map((f) => readFileSync(f, "utf8")).join("\n");
    for (const secret of [
      "AGENCY_ADMIN_TOKEN",
      "SECRET_KEY",
      "AGENCY_API_URL",
      "Bearer ",
      agency.adminToken,
      SECRET_KEY,
    ]) {
      expect(bundle.includes(secret), secret).toBe(false);
    }
  });
});
