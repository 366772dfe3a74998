/**
 * Needs a real browser: renders the compiled prototype and the explainer in the system Chromium
 * (/usr/bin/chromium) through playwright-core. Pages are served from an intercepted origin, and any
 * other request fails the test, which proves the pages are self-contained.
 */
import { performance } from "node:perf_hooks";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPrototype } from "./render/prototype.ts";
import { draftsFor } from "./render/render.fixtures.ts";
import type { Wireframes } from "./schemas.ts";
import { launchChromium, openSandboxed, SANDBOX_ORIGIN } from "@roboagency/testing/browser";
import { anIntake, body, runPipeline, type CollectedRun } from "./testing/builders.ts";

const ORIGIN = SANDBOX_ORIGIN;

let browser: Browser;
let run: CollectedRun;

beforeAll(async () => {
  browser = await launchChromium();
  run = await runPipeline(anIntake());
});

afterAll(async () => {
  await browser?.close();
});

interface Loaded {
  page: Page;
  problems: string[];
}

/** Serves `html` at ORIGIN and records console errors, page errors, dialogs and stray requests. */
function load(html: string, hash = ""): Promise<Loaded> {
  return openSandboxed(browser, html, hash);
}

describe("prototype in Chromium", () => {
  it("when opened, then it renders the home screen with no console errors and no network requests", async () => {
    const { page, problems } = await load(body(run, "prototype/index.html"));
    await page.locator('main[data-screen="landing"]').waitFor();
    await expect(page.locator(".notice").textContent()).resolves.toMatch(/Offline draft/);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("when each nav link is clicked, then its screen shows every region of its wireframe", async () => {
    const { page, problems } = await load(body(run, "prototype/index.html"));
    const wireframes = run.byStep.get("wireframer")?.wireframes;
    expect(wireframes?.screens.length).toBeGreaterThanOrEqual(3);
    for (const screen of wireframes?.screens ?? []) {
      await page.locator(`nav a[data-nav="${screen.id}"]`).click();
      await page.locator(`main[data-screen="${screen.id}"]`).waitFor();
      const regions = await page
        .locator(`main[data-screen="${screen.id}"] [data-region]`)
        .evaluateAll((els) => els.map((e) => e.getAttribute("data-region")));
      expect(regions, screen.id).toEqual(screen.regions.map((r) => r.id));
      const svg = body(run, `wireframes/${screen.id}.svg`);
      for (const r of screen.regions) expect(svg).toContain(`<g id="region-${r.id}"`);
      expect(page.url()).toBe(`${ORIGIN}/#/${screen.id}`);
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it("when a screen's hash is opened directly, then that screen is shown", async () => {
    const target = run.byStep.get("prototyper")?.prototype?.screens[2]?.id ?? "missing";
    const { page, problems } = await load(body(run, "prototype/index.html"), `#/${target}`);
    await page.locator(`main[data-screen="${target}"]`).waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });

  it("when a form is submitted empty and then filled, then it names missing fields and then confirms", async () => {
    const wireframes = run.byStep.get("wireframer")?.wireframes;
    const formScreen = wireframes?.screens.find((s) => s.regions.some((r) => r.pattern === "form"));
    if (!formScreen) throw new Error("expected a form screen for the dog-walking idea");
    const { page, problems } = await load(body(run, "prototype/index.html"), `#/${formScreen.id}`);
    const form = page.locator('[data-pattern="form"] form');
    await form.locator('button[type="submit"]').click();
    await expect(page.locator('[role="alert"]').textContent()).resolves.toMatch(
      /Please fill in: Your name, Email/,
    );
    for (const input of await form.locator("input").all()) {
      const type = await input.getAttribute("type");
      await input.fill(
        type === "email"
          ? "ana@example.com"
          : type === "date"
            ? "2027-01-15"
            : type === "number"
              ? "25"
              : "Rex",
      );
    }
    await form.locator('button[type="submit"]').click();
    await expect(page.locator('[role="status"]').textContent()).resolves.toMatch(/stores nothing/);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("when wireframe text contains markup, then the prototype shows it as text and runs none of it", async () => {
    const { wireframes } = draftsFor(anIntake());
    const hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>{@html x}</script><!--';
    const poisoned: Wireframes = JSON.parse(
      JSON.stringify(wireframes, (key, value) =>
        typeof value === "string" && ["headline", "subline", "text", "title", "brand", "label"].includes(key)
          ? `${value} ${hostile}`
          : value,
      ),
    );
    const built = await buildPrototype(poisoned, true);
    const { page, problems } = await load(built.html);
    await page.locator('main[data-screen="landing"]').waitFor();
    await expect(page.locator("h1").first().textContent()).resolves.toContain("<script>alert(2)</script>");
    expect(await page.locator("main img, main script").count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("when the build is measured, then compiling and bundling stay fast", async () => {
    const { wireframes } = draftsFor(
      anIntake({
        idea: "A tool for freelance designers to send invoices, chase late payments and see cash flow.",
        sector: "fintech",
      }),
    );
    const started = performance.now();
    const built = await buildPrototype(wireframes, true);
    const total = performance.now() - started;
    console.log(
      `prototype build: ${Math.round(total)} ms total; svelte ${built.timings.svelteMs} ms ` +
        `(${built.timings.compiledComponents} compiled, ${built.timings.cachedComponents} cached), esbuild ${built.timings.bundleMs} ms, ` +
        `${Buffer.byteLength(built.html)} bytes`,
    );
    expect(total).toBeLessThan(5_000);
  });
});

describe("explainer in Chromium", () => {
  it("when played fast, then it advances through every scene to the end without errors", async () => {
    const { page, problems } = await load(body(run, "explainer/index.html"), "#fast");
    const scenes = run.byStep.get("explainer_producer")?.explainer?.scenes ?? [];
    expect(await page.locator(".scene").count()).toBe(scenes.length);
    expect(await page.locator(".scene svg").count()).toBe(scenes.length);
    await page.waitForSelector("body[data-finished='true']", { timeout: 20_000 });
    await expect(page.locator("body").getAttribute("data-current-scene")).resolves.toBe(
      scenes[scenes.length - 1]?.id,
    );
    expect(problems).toEqual([]);
    await page.close();
  });
});
