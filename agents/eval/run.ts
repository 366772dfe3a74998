/**
 * `npm run eval`: runs the pipeline over agents/eval/intakes.json (every sector plus hostile
 * intakes) with the drafting model the environment selects (offline unless keyed), renders each
 * prototype in headless Chromium (no network), and writes bench-results/eval.json and eval.md:
 * compile and render rate, gates passed per artifact, tokens, cost and time per project.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { Browser } from "playwright-core";
import { type Artifact, type IntakeInput, type UsageRecord, pipeline } from "../src/index.ts";
import { draftingModelFromEnv } from "../src/providers/env.ts";
import type { QualityReport } from "../src/quality/report.ts";
import type { Prototype } from "../src/schemas.ts";
import { launchChromium, openSandboxed } from "../src/testing/browser.ts";
import { startFakeLlmServer } from "../src/testing/fakeLlmServer.ts";

interface EvalIntake extends Omit<IntakeInput, "email"> {
  id: string;
}

interface RenderResult {
  rendered: boolean;
  screens: number;
  screensRendered: number;
  problems: string[];
}

interface ProjectResult {
  id: string;
  sector: string;
  ok: boolean;
  error?: string;
  seconds: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  compiled: boolean;
  render?: RenderResult;
  hostileLeaks: string[];
  quality?: QualityReport;
  build?: Prototype["build"];
  mp4?: string;
}

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const OUT = path.join(ROOT, "bench-results");
const LEAK = /<script>alert|onerror\s*=|javascript:|evil\.example|https?:\/\/evil|<iframe/i;

async function renderPrototype(browser: Browser, html: string, screenIds: string[]): Promise<RenderResult> {
  const { page, problems } = await openSandboxed(browser, html);
  let screensRendered = 0;
  try {
    for (const id of screenIds) {
      await page.evaluate(
        (screen) => ((globalThis as unknown as { location: { hash: string } }).location.hash = `/${screen}`),
        id,
      );
      const main = await page
        .waitForSelector(`main[data-screen="${id}"]`, { timeout: 5000 })
        .catch(() => null);
      const regions = main ? await main.$$("[data-region]") : [];
      if (main && regions.length > 0) screensRendered++;
      else problems.push(`screen ${id} did not render its regions`);
    }
  } finally {
    await page.close();
  }
  return {
    rendered: screensRendered === screenIds.length && problems.length === 0,
    screens: screenIds.length,
    screensRendered,
    problems,
  };
}

async function runOne(
  intake: EvalIntake,
  browser: Browser,
  draftingModel: ReturnType<typeof draftingModelFromEnv>,
): Promise<ProjectResult> {
  const started = performance.now();
  const artifacts: Artifact[] = [];
  const usage: UsageRecord[] = [];
  let quality: QualityReport | undefined;
  let prototype: Prototype | undefined;
  let screenIds: string[] = [];
  let mp4: string | undefined;
  let error: string | undefined;
  const { id, ...fields } = intake;
  try {
    for await (const update of await pipeline.stream(
      {
        intake: { email: "eval@example.com", ...fields },
        context: {
          projectId: `eval-${id}`,
          leadId: `lead-${id}`,
          runId: `run-${id}`,
          portalUrl: "http://localhost:5001",
          calendarUrl: "http://localhost:5001/book",
        },
      },
      { streamMode: "updates", configurable: { draftingModel } },
    )) {
      for (const partial of Object.values(update) as { artifacts?: Artifact[]; usage?: UsageRecord[] }[]) {
        artifacts.push(...(partial?.artifacts ?? []));
        usage.push(...(partial?.usage ?? []));
      }
      quality ??= update.indication_okrs?.quality;
      prototype ??= update.prototyper?.prototype;
      screenIds = update.wireframer?.wireframes?.screens.map((s) => s.id) ?? screenIds;
      const video = update.explainer_producer?.explainerVideo;
      if (video)
        mp4 =
          "mp4" in video ? `${video.seconds.toFixed(1)} s in ${video.renderMs} ms` : `none: ${video.reason}`;
    }
  } catch (e) {
    error = (e as Error).message;
  }
  const seconds = (performance.now() - started) / 1000;
  const html = artifacts.find((a) => a.name === "prototype/index.html");
  const render = html ? await renderPrototype(browser, String(html.body), screenIds) : undefined;
  const hostileLeaks = artifacts
    .filter((a) => typeof a.body === "string" && a.name !== "prototype/index.html")
    .filter((a) => LEAK.test(String(a.body)))
    .map((a) => `${a.name}: ${LEAK.exec(String(a.body))?.[0]}`);
  return {
    id,
    sector: intake.sector,
    ok: !error,
    ...(error ? { error } : {}),
    seconds: Math.round(seconds * 100) / 100,
    inputTokens: usage.reduce((t, u) => t + u.inputTokens, 0),
    outputTokens: usage.reduce((t, u) => t + u.outputTokens, 0),
    costUsd: Math.round(usage.reduce((t, u) => t + u.costUsd, 0) * 1e6) / 1e6,
    compiled: Boolean(html),
    ...(render ? { render } : {}),
    hostileLeaks,
    ...(quality ? { quality } : {}),
    ...(prototype?.build ? { build: prototype.build } : {}),
    ...(mp4 ? { mp4 } : {}),
  };
}

function summary(results: ProjectResult[], model: string, totalSeconds: number) {
  const n = results.length;
  const rate = (k: number) => Math.round((k / n) * 1000) / 1000;
  const gates: Record<string, { passed: number; total: number }> = {};
  for (const r of results) {
    for (const a of r.quality?.artifacts ?? []) {
      const g = (gates[a.artifact] ??= { passed: 0, total: 0 });
      g.passed += a.gates.filter((x) => x.passed).length;
      g.total += a.gates.length;
    }
  }
  return {
    model,
    projects: n,
    completed: results.filter((r) => r.ok).length,
    compileRate: rate(results.filter((r) => r.compiled).length),
    renderRate: rate(results.filter((r) => r.render?.rendered).length),
    qualityPassed: results.filter((r) => r.quality?.passed).length,
    gatesPerArtifact: gates,
    meanScore: Math.round((results.reduce((t, r) => t + (r.quality?.score ?? 0), 0) / n) * 1000) / 1000,
    hostileLeaks: results.reduce((t, r) => t + r.hostileLeaks.length, 0),
    tokens: results.reduce((t, r) => t + r.inputTokens + r.outputTokens, 0),
    costUsd: Math.round(results.reduce((t, r) => t + r.costUsd, 0) * 1e6) / 1e6,
    meanSecondsPerProject: Math.round((results.reduce((t, r) => t + r.seconds, 0) / n) * 100) / 100,
    totalSeconds: Math.round(totalSeconds * 10) / 10,
  };
}

function markdown(s: ReturnType<typeof summary>, results: ProjectResult[]): string {
  const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
  return [
    `# Pipeline evaluation`,
    "",
    `Model: \`${s.model}\` · ${s.projects} projects · ${s.totalSeconds} s in total`,
    "",
    "| Measure | Value |",
    "| --- | --- |",
    `| Runs completed | ${s.completed}/${s.projects} |`,
    `| Prototype compile rate | ${pct(s.compileRate)} |`,
    `| Prototype render rate (Chromium, every screen, no console errors, no requests) | ${pct(s.renderRate)} |`,
    `| Runs passing every quality gate | ${s.qualityPassed}/${s.projects} |`,
    `| Mean rubric score | ${s.meanScore} |`,
    `| Hostile content leaked into artifacts | ${s.hostileLeaks} |`,
    `| Tokens | ${s.tokens} |`,
    `| Cost | $${s.costUsd.toFixed(4)} |`,
    `| Mean time per project | ${s.meanSecondsPerProject} s |`,
    "",
    "## Gates passed per artifact",
    "",
    "| Artifact | Passed | Total |",
    "| --- | --- | --- |",
    ...Object.entries(s.gatesPerArtifact).map(([a, g]) => `| ${a} | ${g.passed} | ${g.total} |`),
    "",
    "## Projects",
    "",
    "| Project | Sector | OK | Seconds | Tokens | Cost | Compiled | Rendered | Gates | Score | MP4 |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...results.map(
      (r) =>
        `| ${r.id} | ${r.sector} | ${r.ok ? "yes" : `no: ${r.error?.slice(0, 80).replace(/\|/g, "/")}`} | ${r.seconds} | ${r.inputTokens + r.outputTokens} | $${r.costUsd.toFixed(4)} | ${r.compiled ? "yes" : "no"} | ${r.render ? `${r.render.screensRendered}/${r.render.screens}` : "-"} | ${r.quality ? `${r.quality.gatesPassed}/${r.quality.gatesTotal}` : "-"} | ${r.quality?.score ?? "-"} | ${r.mp4 ?? "-"} |`,
    ),
    "",
  ].join("\n");
}

const { intakes } = JSON.parse(readFileSync(path.join(import.meta.dirname, "intakes.json"), "utf8")) as {
  intakes: EvalIntake[];
};
const only = process.env["EVAL_ONLY"]?.split(",");
const selected = only ? intakes.filter((i) => only.includes(i.id)) : intakes;
// EVAL_FAKE_OPENAI=1 measures the provider path without a key: the real @langchain/openai client
// against the FAKE OpenAI-compatible server on loopback (tokens are real prompt sizes, drafts offline).
const fake = process.env["EVAL_FAKE_OPENAI"] === "1" ? await startFakeLlmServer() : undefined;
const draftingModel = draftingModelFromEnv(
  fake
    ? {
        ...process.env,
        AGENCY_LLM_PROVIDER: "openai",
        OPENAI_API_KEY: "fake",
        OPENAI_BASE_URL: `${fake.url}/v1`,
      }
    : process.env,
);
const modelLabel = fake ? `${draftingModel.id} (fake OpenAI server on loopback)` : draftingModel.id;
const browser = await launchChromium();
const started = performance.now();
const results: ProjectResult[] = [];
try {
  for (const intake of selected) {
    const result = await runOne(intake, browser, draftingModel);
    results.push(result);
    process.stdout.write(
      `${result.id}: ${result.ok ? "ok" : `FAILED (${result.error})`} ${result.seconds}s, render ${result.render?.screensRendered ?? 0}/${result.render?.screens ?? 0}, gates ${result.quality?.gatesPassed ?? 0}/${result.quality?.gatesTotal ?? 0}, $${result.costUsd.toFixed(4)}\n`,
    );
  }
} finally {
  await browser.close();
  await fake?.stop();
}
const s = summary(results, modelLabel, (performance.now() - started) / 1000);
mkdirSync(OUT, { recursive: true });
writeFileSync(path.join(OUT, "eval.json"), `${JSON.stringify({ summary: s, results }, null, 2)}\n`);
writeFileSync(path.join(OUT, "eval.md"), markdown(s, results));
process.stdout.write(
  `\n${markdown(s, []).split("## Projects")[0]}wrote ${path.relative(ROOT, OUT)}/eval.json and eval.md\n`,
);
