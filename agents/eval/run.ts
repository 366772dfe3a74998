/**
 * `npm run eval -- --set tune|holdout|sectors|all`: runs the pipeline over intake sets with the
 * drafting model the environment selects (offline unless keyed), renders each prototype in headless
 * Chromium (no network), and writes eval-results/eval.json and eval.md.
 *
 * Sets: tune.json (the drafting model may be tuned on it), holdout.json (only ever measured) and
 * intakes.json ("sectors": one per sector plus hostile intakes). tune and holdout intakes carry
 * HUMAN-written key concepts, so coverage is not graded with the model's own extractor: for each
 * artifact (features, user stories, screen titles, prototype copy, emails) the share of an idea's
 * concepts it mentions once the client's own words quoted back are removed. Beside that: the quality
 * gates (computed with the text toolkit), rubric score, KB filler features, time, tokens and cost.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import type { Browser } from "playwright-core";
import { type Artifact, type IntakeInput, type UsageRecord, pipeline } from "../src/index.ts";
import { draftingModelFromEnv } from "../src/providers/env.ts";
import {
  clientText,
  featureTexts,
  prototypeCopy,
  screenTitles,
  storyTexts,
} from "../src/quality/relevance.ts";
import type { QualityReport } from "../src/quality/report.ts";
import type { Brief, Prd, Prototype, Wireframes } from "../src/schemas.ts";
import { launchChromium, openSandboxed } from "@roboagency/testing/browser";
import { startFakeLlmServer } from "@roboagency/testing/fake-llm";
import { listSectors, requireSector } from "../src/kb.ts";
import { grammarReport, lemmas, mentions, sentences, withoutQuotedRuns } from "../src/text/index.ts";

/** A concept as a product manager names it, with the words that count as mentioning it. */
interface HumanConcept {
  name: string;
  terms: string[];
}

interface EvalIntake extends Omit<IntakeInput, "email"> {
  id: string;
  concepts?: HumanConcept[];
}

const ARTIFACTS = ["features", "stories", "screens", "prototype", "emails"] as const;
type CoverageArtifact = (typeof ARTIFACTS)[number];
/** The issue's targets on intakes never tuned on. */
const TARGETS: Record<CoverageArtifact, number | undefined> = {
  features: 0.9,
  stories: 0.9,
  screens: 0.8,
  prototype: undefined,
  emails: 0.7,
};

interface CoverageResult {
  share: number;
  missing: string[];
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
  failedGates: string[];
  build?: Prototype["build"];
  mp4?: string;
  /** Human-concept coverage per artifact (tune and holdout sets only). */
  coverage?: Record<CoverageArtifact, CoverageResult>;
  /** Features that mention none of the idea's human concepts, even quoting the client. */
  fillerFeatures?: string[];
  /** The text toolkit's grammar findings over the drafts' own sentences (not the client's quoted ones). */
  grammar: string[];
}

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const OUT = path.join(ROOT, "eval-results");
const LEAK = /<script>alert|onerror\s*=|javascript:|evil\.example|https?:\/\/evil|<iframe/i;

function containsRun(hay: readonly string[], needle: readonly string[]): boolean {
  if (needle.length === 0) return false;
  for (let i = 0; i + needle.length <= hay.length; i++) {
    if (needle.every((w, k) => hay[i + k] === w)) return true;
  }
  return false;
}

/** One term: a single word by lemma or stem (the toolkit's mentions), a phrase as a run of lemmas. */
function mentionsTerm(text: string, textLemmas: readonly string[], term: string): boolean {
  if (!/[\s-]/.test(term.trim())) return mentions(text, { lemma: term.toLowerCase(), phrase: term });
  const escaped = term.trim().replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return containsRun(textLemmas, lemmas(term)) || new RegExp(`\\b${escaped}`, "i").test(text);
}

function humanCoverage(concepts: HumanConcept[], texts: string[], source: string): CoverageResult {
  const own = texts.map((t) => withoutQuotedRuns(t, source)).join("\n");
  const ownLemmas = lemmas(own);
  const missing = concepts
    .filter((c) => !c.terms.some((t) => mentionsTerm(own, ownLemmas, t)))
    .map((c) => c.name);
  return { share: concepts.length ? (concepts.length - missing.length) / concepts.length : 0, missing };
}

const KB_FEATURE_NAMES = listSectors().flatMap((s) => requireSector(s.id).features.map((f) => f.name));
const KB_PRODUCT_NAMES = listSectors().flatMap((s) => requireSector(s.id).comparables.map((c) => c.name));

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
  let brief: Brief | undefined;
  let prd: Prd | undefined;
  let wireframes: Wireframes | undefined;
  let emails: string[] = [];
  let narration: string[] = [];
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
      brief = update.intake_parser?.brief ?? brief;
      prd = update.product_doc_writer?.prd ?? prd;
      wireframes = update.wireframer?.wireframes ?? wireframes;
      emails = update.campaign_composer?.campaign?.emails.map((e) => e.text) ?? emails;
      narration = update.explainer_producer?.explainer?.scenes.map((sc) => sc.narration) ?? narration;
      screenIds = update.wireframer?.wireframes?.screens.map((s) => s.id) ?? screenIds;
      const video = update.explainer_producer?.explainerVideo;
      if (video)
        mp4 =
          "mp4" in video ? `${video.seconds.toFixed(1)} s in ${video.renderMs} ms` : `none: ${video.reason}`;
    }
  } catch (e) {
    error = (e as Error).message;
    // A failed step's paid calls ride on its error; they cost what they cost.
    usage.push(...((e as { usage?: UsageRecord[] }).usage ?? []));
  }
  const seconds = (performance.now() - started) / 1000;
  const html = artifacts.find((a) => a.name === "prototype/index.html");
  const render = html ? await renderPrototype(browser, String(html.body), screenIds) : undefined;
  const hostileLeaks = artifacts
    .filter((a) => typeof a.body === "string" && a.name !== "prototype/index.html")
    .filter((a) => LEAK.test(String(a.body)))
    .map((a) => `${a.name}: ${LEAK.exec(String(a.body))?.[0]}`);
  const concepts = intake.concepts;
  const source = clientText({ email: "", ...fields });
  const texts: Record<CoverageArtifact, string[]> = {
    features: brief ? featureTexts(brief) : [],
    stories: prd ? storyTexts(prd) : [],
    screens: wireframes ? screenTitles(wireframes) : [],
    prototype: wireframes ? prototypeCopy(wireframes) : [],
    emails,
  };
  const coverage = concepts?.length
    ? (Object.fromEntries(ARTIFACTS.map((a) => [a, humanCoverage(concepts, texts[a], source)])) as Record<
        CoverageArtifact,
        CoverageResult
      >)
    : undefined;
  const fillerFeatures =
    concepts?.length && brief
      ? brief.keyFeatures
          .filter((f) => humanCoverage(concepts, [`${f.name}. ${f.description}`], "").share === 0)
          .map((f) => f.name)
      : undefined;
  const drafted = [
    ...(brief
      ? [
          brief.problemStatement,
          ...brief.keyFeatures.map((f) => f.description),
          ...(brief.openQuestions ?? []),
        ]
      : []),
    ...(prd
      ? [
          prd.summary,
          ...prd.userStories.flatMap((u) => u.acceptance),
          ...prd.scope.in,
          ...prd.risks.flatMap((r) => [r.risk, r.mitigation]),
          ...(prd.requirements ?? []).map((r) => r.requirement),
        ]
      : []),
    ...(wireframes ? wireframes.screens.map((sc) => sc.purpose) : []),
    ...narration,
    ...emails,
  ]
    .flatMap(sentences)
    // A sentence that is mostly the client's own words is theirs to write, not the drafts'.
    .filter((sentence) => withoutQuotedRuns(sentence, source, 5).length > sentence.length * 0.6);
  const grammar = grammarReport(drafted, KB_FEATURE_NAMES, KB_PRODUCT_NAMES, { clientText: source }).map(
    (f) => `${f.rule}: ${f.detail} in "${f.sentence}"`,
  );
  return {
    id,
    sector: intake.sector,
    grammar,
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
    failedGates: (quality?.artifacts ?? []).flatMap((a) =>
      a.gates.filter((g) => !g.passed).map((g) => `${a.artifact}.${g.id}`),
    ),
    ...(prototype?.build ? { build: prototype.build } : {}),
    ...(mp4 ? { mp4 } : {}),
    ...(coverage ? { coverage } : {}),
    ...(fillerFeatures ? { fillerFeatures } : {}),
  };
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const r3 = (x: number) => Math.round(x * 1000) / 1000;

function summary(results: ProjectResult[], model: string, totalSeconds: number) {
  const n = results.length;
  const rate = (k: number) => r3(k / Math.max(1, n));
  const gates: Record<string, { passed: number; total: number }> = {};
  const failing: Record<string, number> = {};
  for (const r of results) {
    for (const a of r.quality?.artifacts ?? []) {
      const g = (gates[a.artifact] ??= { passed: 0, total: 0 });
      g.passed += a.gates.filter((x) => x.passed).length;
      g.total += a.gates.length;
    }
    for (const id of r.failedGates) failing[id] = (failing[id] ?? 0) + 1;
  }
  const measured = results.filter((r) => r.coverage);
  const coverage = Object.fromEntries(
    ARTIFACTS.map((a) => {
      const shares = measured.map((r) => r.coverage![a].share);
      const target = TARGETS[a];
      return [
        a,
        {
          mean: r3(mean(shares)),
          target: target ?? null,
          intakesAtTarget: target === undefined ? null : shares.filter((x) => x >= target).length,
        },
      ];
    }),
  ) as Record<CoverageArtifact, { mean: number; target: number | null; intakesAtTarget: number | null }>;
  return {
    model,
    projects: n,
    withHumanConcepts: measured.length,
    completed: results.filter((r) => r.ok).length,
    coverage,
    fillerFeatures: measured.reduce((t, r) => t + (r.fillerFeatures?.length ?? 0), 0),
    grammarFindings: results.reduce((t, r) => t + r.grammar.length, 0),
    compileRate: rate(results.filter((r) => r.compiled).length),
    renderRate: rate(results.filter((r) => r.render?.rendered).length),
    qualityPassed: results.filter((r) => r.quality?.passed).length,
    gatesPerArtifact: gates,
    failingGates: Object.fromEntries(Object.entries(failing).sort((a, b) => b[1] - a[1])),
    meanScore: r3(mean(results.map((r) => r.quality?.score ?? 0))),
    hostileLeaks: results.reduce((t, r) => t + r.hostileLeaks.length, 0),
    tokens: results.reduce((t, r) => t + r.inputTokens + r.outputTokens, 0),
    costUsd: Math.round(results.reduce((t, r) => t + r.costUsd, 0) * 1e6) / 1e6,
    meanSecondsPerProject: Math.round(mean(results.map((r) => r.seconds)) * 100) / 100,
    totalSeconds: Math.round(totalSeconds * 10) / 10,
  };
}

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

function markdown(set: string, s: ReturnType<typeof summary>, results: ProjectResult[]): string {
  return [
    `## Set \`${set}\``,
    "",
    `Model: \`${s.model}\` · ${s.projects} projects · ${s.totalSeconds} s in total`,
    "",
    ...(s.withHumanConcepts
      ? [
          `Human key concepts present, the client's own words removed (mean over ${s.withHumanConcepts} intakes):`,
          "",
          "| Artifact | Concepts present | Target | Intakes at target |",
          "| --- | --- | --- | --- |",
          ...ARTIFACTS.map((a) => {
            const c = s.coverage[a];
            return `| ${a} | ${pct(c.mean)} | ${c.target === null ? "-" : `>= ${pct(c.target)}`} | ${c.intakesAtTarget === null ? "-" : `${c.intakesAtTarget}/${s.withHumanConcepts}`} |`;
          }),
          `| KB filler features (mention no concept) | ${s.fillerFeatures} | 0 | |`,
          "",
        ]
      : []),
    "| Measure | Value |",
    "| --- | --- |",
    `| Runs completed | ${s.completed}/${s.projects} |`,
    `| Runs passing every quality gate | ${s.qualityPassed}/${s.projects} |`,
    `| Failing gates (runs) | ${
      Object.entries(s.failingGates)
        .map(([g, k]) => `${g} ${k}`)
        .join(", ") || "none"
    } |`,
    `| Mean rubric score | ${s.meanScore} |`,
    `| Grammar findings in the drafts' own sentences (text toolkit) | ${s.grammarFindings} |`,
    `| Prototype compile rate | ${pct(s.compileRate)} |`,
    `| Prototype render rate (Chromium, every screen, no console errors, no requests) | ${pct(s.renderRate)} |`,
    `| Hostile content leaked into artifacts | ${s.hostileLeaks} |`,
    `| Tokens | ${s.tokens} |`,
    `| Cost | $${s.costUsd.toFixed(4)} |`,
    `| Mean time per project | ${s.meanSecondsPerProject} s |`,
    "",
    ...(results.length
      ? [
          "| Project | Sector | OK | s | $ | Gates | Score | Features | Stories | Screens | Prototype | Emails | Filler | Failing gates |",
          "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
          ...results.map((r) => {
            const c = (a: CoverageArtifact) => (r.coverage ? pct(r.coverage[a].share) : "-");
            return `| ${r.id} | ${r.sector} | ${r.ok ? "yes" : `no: ${r.error?.slice(0, 80).replace(/\|/g, "/")}`} | ${r.seconds} | ${r.costUsd.toFixed(4)} | ${r.quality ? `${r.quality.gatesPassed}/${r.quality.gatesTotal}` : "-"} | ${r.quality?.score ?? "-"} | ${c("features")} | ${c("stories")} | ${c("screens")} | ${c("prototype")} | ${c("emails")} | ${r.fillerFeatures?.length ?? "-"} | ${r.failedGates.join(", ") || "-"} |`;
          }),
          "",
        ]
      : []),
  ].join("\n");
}

const SETS = { tune: "tune.json", holdout: "holdout.json", sectors: "intakes.json" } as const;
type SetName = keyof typeof SETS;
const { values: args } = parseArgs({ options: { set: { type: "string", default: "all" } } });
const wanted = args.set === "all" ? (Object.keys(SETS) as SetName[]) : [args.set as SetName];
for (const w of wanted) {
  if (!(w in SETS)) throw new Error(`--set must be tune, holdout, sectors or all, got "${w}"`);
}
const load = (set: SetName) =>
  (JSON.parse(readFileSync(path.join(import.meta.dirname, SETS[set]), "utf8")) as { intakes: EvalIntake[] })
    .intakes;
const only = process.env["EVAL_ONLY"]?.split(",");
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
const sets: Record<string, { summary: ReturnType<typeof summary>; results: ProjectResult[] }> = {};
try {
  for (const set of wanted) {
    const intakes = load(set).filter((i) => !only || only.includes(i.id));
    const started = performance.now();
    const results: ProjectResult[] = [];
    for (const intake of intakes) {
      const result = await runOne(intake, browser, draftingModel);
      results.push(result);
      const cov = result.coverage
        ? ` features ${pct(result.coverage.features.share)} stories ${pct(result.coverage.stories.share)} screens ${pct(result.coverage.screens.share)} emails ${pct(result.coverage.emails.share)}`
        : "";
      process.stdout.write(
        `${set}/${result.id}: ${result.ok ? "ok" : `FAILED (${result.error})`} ${result.seconds}s, gates ${result.quality?.gatesPassed ?? 0}/${result.quality?.gatesTotal ?? 0}${cov}, $${result.costUsd.toFixed(4)}\n`,
      );
    }
    sets[set] = { summary: summary(results, modelLabel, (performance.now() - started) / 1000), results };
  }
} finally {
  await browser.close();
  await fake?.stop();
}
mkdirSync(OUT, { recursive: true });
const name = args.set === "all" ? "eval" : `eval-${args.set}`;
writeFileSync(path.join(OUT, `${name}.json`), `${JSON.stringify({ model: modelLabel, sets }, null, 2)}\n`);
writeFileSync(
  path.join(OUT, `${name}.md`),
  [
    `# Pipeline evaluation`,
    "",
    ...Object.entries(sets).map(([k, v]) => markdown(k, v.summary, v.results)),
  ].join("\n"),
);
for (const [k, v] of Object.entries(sets)) process.stdout.write(`\n${markdown(k, v.summary, [])}`);
process.stdout.write(`wrote ${path.relative(ROOT, OUT)}/${name}.json and ${name}.md\n`);
