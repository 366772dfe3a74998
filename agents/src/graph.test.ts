import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { type Artifact, CAMPAIGN_STEPS, STEP_NAMES } from "./contracts.ts";
import { buildPipeline, pipeline } from "./graph.ts";
import { offlineDraftingModel } from "./offline/model.ts";
import type { PipelineUpdate } from "./state.ts";
import { anIntake, aContext, body, HOSTILE_IDEA, PHYSIO_CLINIC, runPipeline } from "./testing/builders.ts";

const bodies = (artifacts: Artifact[]) => artifacts.map((a) => [a.name, String(a.body)]);

describe("pipeline graph", () => {
  it("when built, then the eight steps run in STEP_NAMES order with a review gate after the PRD and the campaign", async () => {
    const builder = buildPipeline();
    expect(Object.keys(builder.nodes)).toEqual([...STEP_NAMES, "prd_review", "campaign_review"]);
    const edges = [...builder.edges].map(([from, to]) => `${from}->${to}`);
    const gated = new Set(["product_doc_writer", "campaign_composer"]);
    const chain = ["__start__", ...STEP_NAMES, "__end__"];
    expect(edges.sort()).toEqual(
      chain
        .slice(1)
        .map((to, i) => `${chain[i]}->${to}`)
        .filter((edge) => !gated.has(edge.split("->")[0]!))
        .sort(),
    );
    // The gated steps route through their gate only when configurable.reviewGates lists it.
    expect(Object.keys(builder.branches).sort()).toEqual([...gated].sort());
    const graph = await pipeline.getGraphAsync();
    expect(Object.keys(graph.nodes)).toEqual([
      "__start__",
      ...STEP_NAMES,
      "prd_review",
      "campaign_review",
      "__end__",
    ]);
  });
});

describe("the orchestrator's loop", () => {
  it("when written as the orchestrator writes it, then it type-checks without casts and sees each step's artifacts", async () => {
    const seen: string[] = [];
    let emails = 0;
    const started = performance.now();
    for await (const update of await pipeline.stream(
      { intake: anIntake(), context: aContext() },
      { streamMode: "updates" },
    )) {
      const typed: PipelineUpdate = update;
      for (const step of STEP_NAMES) {
        for (const a of typed[step]?.artifacts ?? []) seen.push(`${step}:${a.name}`);
      }
      emails += update.campaign_composer?.campaign?.emails.length ?? 0;
    }
    console.log(
      `first offline pipeline run: ${Math.round(performance.now() - started)} ms (loads Svelte and esbuild)`,
    );
    expect(emails).toBe(CAMPAIGN_STEPS.length);
    expect(new Set(seen.map((s) => s.split(":")[0]))).toEqual(new Set(STEP_NAMES));
  });
});

describe("a full offline run", () => {
  it("when streamed with updates, then each step yields once, in order, with only its own artifacts", async () => {
    const started = performance.now();
    const run = await runPipeline(anIntake());
    console.log(`warm offline pipeline run: ${Math.round(performance.now() - started)} ms`);
    expect(run.updates.map((u) => Object.keys(u)[0])).toEqual([...STEP_NAMES]);
    for (const step of STEP_NAMES) {
      const artifacts = run.byStep.get(step)?.artifacts ?? [];
      expect(artifacts.length, step).toBeGreaterThanOrEqual(1);
      for (const a of artifacts) {
        expect(a.step, a.name).toBe(step);
        expect(a.offlineDraft, a.name).toBe(true);
        expect(String(a.body).trim().length, a.name).toBeGreaterThan(0);
        expect(String(a.body), a.name).not.toMatch(/lorem ipsum|\bTODO\b|\bTBD\b/i);
      }
    }
    const names = run.artifacts.map((a) => a.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining([
        "brief.json",
        "market-map.md",
        "market-map.json",
        "prd.md",
        "wireframes/landing.svg",
        "prototype/index.html",
        "prototype/src/App.svelte",
        "explainer/storyboard.json",
        "explainer/script.md",
        "explainer/index.html",
        "campaign/demo.html",
        "campaign/calendar.txt",
        "okrs.md",
        "okrs.json",
      ]),
    );
    expect(run.artifacts.find((a) => a.name === "prototype/index.html")?.prefix).toBe("prototypes");
    const emails = run.byStep.get("campaign_composer")?.campaign?.emails ?? [];
    expect(emails.map((e) => e.step)).toEqual([...CAMPAIGN_STEPS]);
  });

  it("when every text artifact is read, then it states that it is an offline draft", async () => {
    const run = await runPipeline(anIntake());
    for (const a of run.artifacts.filter((x) => !x.name.endsWith(".js"))) {
      expect(String(a.body), a.name).toMatch(/Offline draft/);
    }
  });

  it("when the same intake runs twice, then every artifact is byte-identical", async () => {
    const first = await runPipeline(anIntake());
    const second = await runPipeline(anIntake());
    expect(bodies(second.artifacts)).toEqual(bodies(first.artifacts));
  });

  it("when two different ideas run, then PRDs, wireframes and prototypes clearly differ", async () => {
    const dogs = await runPipeline(anIntake());
    const physio = await runPipeline(
      anIntake({ idea: PHYSIO_CLINIC, sector: "healthcare", goals: "Cut no-shows by 30%" }),
    );
    expect(body(dogs, "prd.md")).not.toBe(body(physio, "prd.md"));
    expect(body(dogs, "prd.md")).toMatch(/walkers/i);
    expect(body(physio, "prd.md")).toMatch(/physiotherapy|patients/i);
    const screens = (run: typeof dogs) =>
      run.artifacts
        .filter((a) => a.name.startsWith("wireframes/") && a.name.endsWith(".svg"))
        .map((a) => a.name);
    expect(screens(dogs)).not.toEqual(screens(physio));
    expect(body(dogs, "prototype/src/data.json")).not.toBe(body(physio, "prototype/src/data.json"));
  });

  it("when the PRD is written, then it cites the market sources and has the required sections", async () => {
    const run = await runPipeline(anIntake());
    const prd = body(run, "prd.md");
    for (const section of [
      "## Problem",
      "## Personas",
      "## Competitive landscape",
      "## Scope",
      "## User stories",
      "## Metrics",
      "## Risks",
      "## Sources",
    ]) {
      expect(prd).toContain(section);
    }
    const market = run.byStep.get("market_mapper")?.market;
    for (const source of market?.sources ?? []) expect(prd).toContain(source.id);
    expect(prd).toMatch(/\| Product \| Positioning \| Price \| Gap we can use \|/);
  });

  it("when the OKRs are set, then each key result is measurable and due within the horizon", async () => {
    const run = await runPipeline(anIntake({ timeline: "10 weeks" }));
    const okrs = run.byStep.get("indication_okrs")?.okrs;
    expect(okrs?.objectives.length).toBeGreaterThanOrEqual(2);
    for (const kr of okrs?.objectives.flatMap((o) => o.keyResults) ?? []) {
      expect(kr.target).not.toBe(kr.baseline);
      expect(kr.deadline.weeksFromKickoff).toBeLessThanOrEqual(okrs?.horizonWeeks ?? 0);
    }
  });

  it("when the explainer is timed, then each scene lasts its words / 2.5 seconds (at least 3)", async () => {
    const run = await runPipeline(anIntake());
    const explainer = run.byStep.get("explainer_producer")?.explainer;
    let clock = 0;
    for (const scene of explainer?.scenes ?? []) {
      const words = scene.narration.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
      expect(scene.durationSeconds).toBeCloseTo(Math.max(3, words / 2.5), 0);
      expect(scene.startSeconds).toBeCloseTo(clock, 1);
      clock += scene.durationSeconds;
    }
  });

  it("when the intake is hostile, then the run completes and emails link only to the project", async () => {
    const context = aContext({ portalUrl: "https://agency.example.com" });
    const run = await runPipeline(
      anIntake({ idea: HOSTILE_IDEA, sector: "fintech", name: "<script>x</script>" }),
      context,
    );
    for (const a of run.artifacts.filter(
      (x) => x.contentType.startsWith("text/html") || x.contentType.startsWith("image/svg"),
    )) {
      expect(String(a.body), a.name).not.toMatch(/<script>alert|<img src=x|onerror=alert/);
    }
    expect(body(run, "prd.md")).not.toMatch(/<script>/);
  });

  it("when the intake is invalid, then the run fails with an error naming the field", async () => {
    await expect(runPipeline(anIntake({ sector: "space-mining" }))).rejects.toThrow(
      /intake\.sector: sector must be one of/,
    );
    await expect(runPipeline(anIntake({ idea: "short" }))).rejects.toThrow(/intake\.idea/);
    await expect(runPipeline(anIntake(), aContext({ portalUrl: "ftp://x" }))).rejects.toThrow(
      /context\.portalUrl/,
    );
  });

  it("when a provider-backed model is configured, then its artifacts are not labelled offline", async () => {
    const online = { ...offlineDraftingModel, id: "fake-provider", offline: false };
    const updates = [];
    for await (const u of await pipeline.stream(
      { intake: anIntake(), context: aContext() },
      { streamMode: "updates", configurable: { draftingModel: online } },
    )) {
      updates.push(u);
    }
    const artifacts = updates.flatMap((u) =>
      Object.values(u).flatMap((p) => (p as { artifacts?: Artifact[] }).artifacts ?? []),
    );
    expect(artifacts.length).toBeGreaterThan(10);
    expect(artifacts.every((a) => !a.offlineDraft)).toBe(true);
    expect(artifacts.map((a) => String(a.body)).join("\n")).not.toMatch(/Offline draft/);
  });
});
