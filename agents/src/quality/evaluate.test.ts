import { describe, expect, it } from "vitest";
import { anIntake, aContext, runPipeline } from "../testing/builders.ts";
import { evaluateRun, wellFormedXml } from "./evaluate.ts";
import { QUALITY_ARTIFACTS, type QualityReport } from "./report.ts";
import type { PipelineState } from "../state.ts";

async function finalState() {
  const run = await runPipeline(anIntake());
  const state = Object.assign({}, ...run.updates.flatMap((u) => Object.values(u))) as PipelineState;
  return {
    run,
    state: { ...state, artifacts: run.artifacts, context: aContext(), intake: anIntake() } as PipelineState,
  };
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
    expect(gateOf(report!, "explainer", "mp4")?.reason).toMatch(
      /no MP4: disabled by AGENCY_EXPLAINER_VIDEO=off/,
    );
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

  it("when XML is checked, then balanced documents pass and broken ones say why", () => {
    expect(wellFormedXml('<svg a="1"><g><text>x &amp; y</text></g><rect/></svg>')).toBeUndefined();
    expect(wellFormedXml("<svg><g></svg>")).toMatch(/closes the wrong element/);
    expect(wellFormedXml("<svg>a & b</svg>")).toMatch(/bare "&"/);
  });
});
