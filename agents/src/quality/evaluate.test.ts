import { describe, expect, it } from "vitest";
import type { DraftingModel } from "../configuration.ts";
import type { IntakeInput } from "../contracts.ts";
import { offlineDraftingModel } from "../offline/model.ts";
import { anIntake, aContext, runPipeline } from "../testing/builders.ts";
import { DENTAL_WAITLIST, inventingDraftingModel, offTopicDraftingModel } from "../testing/dishonest.ts";
import { evaluateRun, mp4Seconds, wellFormedXml } from "./evaluate.ts";
import { QUALITY_ARTIFACTS, type QualityReport } from "./report.ts";
import type { PipelineState } from "../state.ts";

async function finalState(
  intake: IntakeInput = anIntake(),
  draftingModel: DraftingModel = offlineDraftingModel,
) {
  const run = await runPipeline(intake, aContext(), { draftingModel });
  const state = Object.assign({}, ...run.updates.flatMap((u) => Object.values(u))) as PipelineState;
  return {
    run,
    state: { ...state, artifacts: run.artifacts, context: aContext(), intake } as PipelineState,
  };
}

/** The smallest MP4 header mp4Seconds reads: an ftyp box, then a version-0 mvhd in a moov box. */
function fakeMp4(seconds: number): Buffer {
  const ftyp = Buffer.concat([
    Buffer.from([0, 0, 0, 16]),
    Buffer.from("ftypisom", "latin1"),
    Buffer.alloc(4),
  ]);
  const mvhd = Buffer.alloc(32);
  mvhd.writeUInt32BE(32, 0);
  mvhd.write("mvhd", 4, "latin1");
  mvhd.writeUInt32BE(1000, 20); // timescale
  mvhd.writeUInt32BE(Math.round(seconds * 1000), 24); // duration
  const moov = Buffer.concat([Buffer.from([0, 0, 0, 40]), Buffer.from("moov", "latin1"), mvhd]);
  return Buffer.concat([ftyp, moov]);
}

const gateOf = (report: QualityReport, artifact: string, id: string) =>
  report.artifacts.find((a) => a.artifact === artifact)?.gates.find((g) => g.id === id);

describe("quality report", () => {
  it("when an offline run finishes, then every artifact passes its gates and is scored in [0, 1]", async () => {
    const { run } = await finalState();
    const report = run.byStep.get("indication_okrs")?.quality;
    expect(report?.artifacts.map((a) => a.artifact)).toEqual([...QUALITY_ARTIFACTS]);
    const failed = report?.artifacts.flatMap((a) =>
      a.gates.filter((g) => !g.passed).map((g) => `${a.artifact}.${g.id}: ${g.reason}`),
    );
    expect(failed).toEqual([]);
    expect(report?.passed).toBe(true);
    for (const a of report?.artifacts ?? []) {
      for (const v of Object.values(a.rubric)) expect(v >= 0 && v <= 1, a.artifact).toBe(true);
    }
    const stored = run.artifacts.find((a) => a.name === "quality-report.json");
    expect(stored).toMatchObject({ kind: "quality_report", step: "indication_okrs" });
    // Without a video there is nothing to check: no mp4 gate that could only pass, a note instead.
    const explainer = report?.artifacts.find((a) => a.artifact === "explainer");
    expect(gateOf(report!, "explainer", "mp4")).toBeUndefined();
    expect(explainer?.notes).toEqual(["no MP4: disabled by AGENCY_EXPLAINER_VIDEO=off"]);
  });

  it("when artifacts are broken, then the gates fail with reasons naming what is wrong", async () => {
    const { state } = await finalState();
    const broken: PipelineState = {
      ...state,
      artifacts: state.artifacts.map((a) => {
        if (a.name === "wireframes/landing.svg") return { ...a, body: String(a.body).replace("</svg>", "") };
        if (a.name === "campaign/demo.html")
          return {
            ...a,
            body: String(a.body).replace("</body>", '<a href="https://evil.example">x</a></body>'),
          };
        if (a.name === "prd.md") return { ...a, body: String(a.body).replace("## Risks", "## Hazards") };
        if (a.name === "prototype/index.html")
          return {
            ...a,
            body: String(a.body).replace("<head>", '<head><script src="https://cdn.example/x.js"></script>'),
          };
        return a;
      }),
      campaign: state.campaign && {
        emails: state.campaign.emails.map((e, i) =>
          i === 0 ? { ...e, html: `${e.html}<a href="https://evil.example">x</a>` } : e,
        ),
      },
      market: state.market && { ...state.market, comparables: state.market.comparables.slice(0, 2) },
    };
    const report = evaluateRun(broken, "offline");
    expect(report.passed).toBe(false);
    expect(gateOf(report, "wireframes", "valid-svg")?.reason).toMatch(
      /landing: not well-formed SVG \(unclosed <svg>\)/,
    );
    expect(gateOf(report, "campaign", "allowed-links")?.reason).toMatch(/evil\.example/);
    expect(gateOf(report, "prd", "sections")?.reason).toBe("sections missing: Risks");
    expect(gateOf(report, "prototype", "no-external-resources")?.passed).toBe(false);
    expect(gateOf(report, "market", "comparables")?.reason).toMatch(/only 2 comparables \(need 3\)/);
  });

  it("when the run made an MP4, then the mp4 gate reads its real length; a file that is no MP4 or runs short fails", async () => {
    const { state } = await finalState();
    const total = state.explainer!.totalSeconds;
    const withVideo = (body: Buffer): PipelineState => ({
      ...state,
      explainerVideo: { mp4: "explainer/explainer.mp4", seconds: total, renderMs: 1 },
      artifacts: [
        ...state.artifacts,
        {
          step: "explainer_producer",
          kind: "explainer-video",
          name: "explainer/explainer.mp4",
          contentType: "video/mp4",
          prefix: "videos",
          body,
          offlineDraft: true,
        },
      ],
    });
    expect(mp4Seconds(fakeMp4(12.5))).toBe(12.5);
    expect(gateOf(evaluateRun(withVideo(fakeMp4(total)), "offline"), "explainer", "mp4")?.passed).toBe(true);
    expect(gateOf(evaluateRun(withVideo(fakeMp4(total / 2)), "offline"), "explainer", "mp4")?.reason).toMatch(
      /explainer\/explainer\.mp4 lasts .* s, the storyboard .* s/,
    );
    expect(
      gateOf(evaluateRun(withVideo(Buffer.from("not a video")), "offline"), "explainer", "mp4")?.reason,
    ).toBe("explainer/explainer.mp4 is not a readable MP4");
    // As read back from a checkpoint: JSON turned the Buffer into { type, data }.
    const fromCheckpoint = JSON.parse(JSON.stringify(fakeMp4(total))) as Buffer;
    expect(gateOf(evaluateRun(withVideo(fromCheckpoint), "offline"), "explainer", "mp4")?.passed).toBe(true);
  });

  it("when the state has no intake, then the relevance gates fail saying so instead of passing", async () => {
    const { state } = await finalState();
    const report = evaluateRun({ ...state, intake: undefined as never }, "offline");
    expect(gateOf(report, "brief", "features-about-idea")?.reason).toBe(
      "no intake in the run's state to measure against",
    );
    expect(report.passed).toBe(false);
  });

  it("when each remaining gate gets an input it must fail, then it fails with a reason", async () => {
    const { state } = await finalState();
    const [market, prd, wf, proto, ex, campaign, okrs] = [
      state.market!,
      state.prd!,
      state.wireframes!,
      state.prototype!,
      state.explainer!,
      state.campaign!,
      state.okrs!,
    ];
    const firstSvg = `wireframes/${wf.screens[0]!.id}.svg`;
    const broken: PipelineState = {
      ...state,
      artifacts: state.artifacts
        .filter((a) => a.name !== "prototype/index.html" && a.name !== "explainer/index.html")
        .map((a) =>
          a.name === firstSvg ? { ...a, body: String(a.body).replace(/<g id="region-/g, '<g id="zone-') } : a,
        ),
      market: {
        ...market,
        sources: market.sources.filter((s) => s.id !== market.comparables[0]!.sourceId),
        retrieval: [],
      },
      prd: {
        ...prd,
        problem: "Too short.",
        sources: [{ id: "kb:sectors/nowhere/patterns", title: "Nowhere" }],
      },
      prototype: { ...proto, screens: proto.screens.slice(1) },
      explainer: {
        ...ex,
        scenes: ex.scenes.map((sc, i) =>
          i === 1 ? { ...sc, startSeconds: sc.startSeconds + 5, screenId: "nowhere" } : sc,
        ),
      },
      campaign: {
        emails: [...campaign.emails]
          .reverse()
          .map((e, i) =>
            i === 0 ? { ...e, preheader: "", text: e.text.replace(/Unsubscribe: \S+/, "") } : e,
          ),
      },
      okrs: {
        ...okrs,
        objectives: okrs.objectives.map((o, i) =>
          i === 0
            ? { ...o, keyResults: o.keyResults.map((k, j) => (j === 0 ? { ...k, target: k.baseline } : k)) }
            : o,
        ),
      },
    };
    const report = evaluateRun(broken, "offline");
    const expected: [string, string, RegExp][] = [
      ["market", "sourced", /comparables without a listed source: /],
      ["market", "retrieval", /no retrieval sources recorded/],
      ["prd", "filled", /sections too thin: problem/],
      ["prd", "cites-sources", /cites unknown or unlisted sources: kb:sectors\/nowhere\/patterns/],
      ["wireframes", "labelled-regions", /region .* has no labelled group/],
      ["prototype", "compiled", /no bundled prototype page/],
      ["prototype", "key-screens", /screens missing: /],
      ["explainer", "timings", /scene timings drift by 5\.00 s/],
      ["explainer", "scenes-from-wireframes", /scenes on unknown screens: /],
      ["explainer", "player", /no explainer\/index\.html/],
      ["campaign", "three-emails", /emails are calendar,prototype,demo/],
      ["campaign", "unsubscribe", /no unsubscribe in: calendar/],
      ["campaign", "parts", /an email lacks a part/],
      ["okrs", "measurable", /not measurable: /],
    ];
    for (const [artifact, id, reason] of expected) {
      const g = gateOf(report, artifact, id);
      expect(g?.passed, `${artifact}.${id}`).toBe(false);
      expect(g?.reason, `${artifact}.${id}`).toMatch(reason);
    }
  });

  it("when XML is checked, then balanced documents pass and broken ones say why", () => {
    expect(wellFormedXml('<svg a="1"><g><text>x &amp; y</text></g><rect/></svg>')).toBeUndefined();
    expect(wellFormedXml("<svg><g></svg>")).toMatch(/closes the wrong element/);
    expect(wellFormedXml("<svg>a & b</svg>")).toMatch(/bare "&"/);
  });
});

describe("quality report against dishonest drafting models (test doubles of a drafting model)", () => {
  const dental = anIntake({ sector: "healthcare", idea: DENTAL_WAITLIST, company: "Smile Dental" });
  const failed = (r: QualityReport) =>
    r.artifacts.flatMap((a) => a.gates.filter((g) => !g.passed).map((g) => `${a.artifact}.${g.id}`));

  it("when a model drafts karaoke features for a dental waitlist, then the relevance gates fail and it scores below the honest drafts", async () => {
    const honest = evaluateRun((await finalState(dental)).state, "offline");
    const offTopic = evaluateRun(
      (await finalState(dental, offTopicDraftingModel)).state,
      offTopicDraftingModel.id,
    );
    expect(failed(offTopic)).toEqual(
      expect.arrayContaining([
        "brief.features-about-idea",
        "brief.no-filler-features",
        "prd.stories-about-idea",
        "wireframes.screens-about-idea",
        "campaign.emails-about-idea",
      ]),
    );
    expect(offTopic.passed).toBe(false);
    expect(offTopic.score).toBeLessThan(honest.score);
  });

  it("when a model invents competitors under knowledge-base ids, then the market gates fail and it scores below the honest drafts", async () => {
    const honest = evaluateRun((await finalState(dental)).state, "offline");
    const inventing = evaluateRun(
      (await finalState(dental, inventingDraftingModel)).state,
      inventingDraftingModel.id,
    );
    expect(failed(inventing)).toEqual(
      expect.arrayContaining(["market.kb-sources-exist", "market.comparables"]),
    );
    expect(failed(honest)).not.toContain("market.kb-sources-exist");
    expect(inventing.score).toBeLessThan(honest.score);
  });
});
