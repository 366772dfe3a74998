import { describe, expect, it } from "vitest";
import { requireSector } from "../kb.ts";
import { positioningSvg } from "../render/svg.ts";
import { prdSchema } from "../schemas.ts";
import { anIntake } from "../testing/builders.ts";
import { draftBrief } from "./brief.ts";
import { draftMarket } from "./market.ts";
import { draftOkrs } from "./okrs.ts";
import { prdGates } from "../quality/relevance.ts";
import { draftPrd, featureAction } from "./prd.ts";

const DENTAL =
  "Dentists lose money on no-shows. The front desk sees a view per dentist, offers freed slots to patients on the waitlist by text message and confirms the first reply. It integrates with Stripe and must work offline on older Android phones.";

function draft(idea: string, sector: string, extra: Parameters<typeof anIntake>[0] = {}) {
  const brief = draftBrief(anIntake({ idea, sector, ...extra }), requireSector(sector));
  const kb = requireSector(brief.sector.id);
  const market = draftMarket(brief, kb);
  const prd = prdSchema.parse(draftPrd(brief, market, kb));
  return { brief, market, prd, kb };
}

describe("draftPrd", () => {
  it("when the brief misses a constraint the client named (offline, tablets, a system), then the PRD still scopes it, tests it and names the system as a risk", () => {
    const idea =
      "Nurses record vital signs on a tablet during home visits. Many houses have no mobile reception, so the app must keep working there, and the office exports the visits to DATEV for billing.";
    const intake = anIntake({ idea, sector: "healthcare" });
    const drafted = draftBrief(intake, requireSector("healthcare"));
    // A brief whose extractor caught none of them.
    const brief = { ...drafted, constraints: { ...drafted.constraints, platform: [], integrations: [] } };
    const kb = requireSector(brief.sector.id);
    const prd = prdSchema.parse(draftPrd(brief, draftMarket(brief, kb), kb));
    const gate = prdGates(intake, prd).find((g) => g.id === "constraints-in-scope");
    expect(gate, gate?.reason).toMatchObject({ passed: true });
    expect(prd.scope.in.join(" ")).toMatch(/offline/);
    expect(prd.scope.in.join(" ")).toMatch(/tablets/);
    for (const story of prd.userStories) expect(story.acceptance.join(" ")).toMatch(/offline/);
    expect(prd.risks.map((r) => r.risk).join(" ")).toMatch(/DATEV/);
    expect(prd.requirements?.some((r) => r.origin === "integration" && /DATEV/.test(r.requirement))).toBe(
      true,
    );
  });

  it("when features are drafted, then the requirement pool traces each to a feature with P0 first", () => {
    const { brief, prd } = draft(DENTAL, "healthcare");
    const pool = prd.requirements ?? [];
    const traced = pool.filter((r) => r.origin === "feature").map((r) => r.featureId);
    expect(traced).toEqual(brief.keyFeatures.map((f) => f.id));
    expect(pool[0]?.priority).toBe("P0");
    expect(pool.every((r) => ["P0", "P1", "P2"].includes(r.priority))).toBe(true);
  });

  it("when the client names a platform constraint and an integration, then they are in scope, in every story's acceptance and in the risks", () => {
    const { prd } = draft(DENTAL, "healthcare");
    expect(prd.scope.in.join(" ")).toMatch(/offline on older Android phones/);
    expect(prd.scope.out.join(" ")).not.toMatch(/offline|android/i);
    for (const story of prd.userStories)
      expect(story.acceptance.join(" ")).toMatch(/offline on older Android phones/);
    expect(prd.risks.map((r) => r.risk).join(" ")).toMatch(/Stripe/);
    expect(prd.requirements?.some((r) => r.origin === "integration" && /Stripe/.test(r.requirement))).toBe(
      true,
    );
  });

  it("when the idea says nothing about platform, then native apps are out of scope and the platform is an open question", () => {
    const { prd } = draft(
      "A scheduling assistant for small clinics that fills cancelled slots from a waitlist",
      "saas",
      {
        budget: undefined,
      },
    );
    expect(prd.scope.out.join(" ")).toMatch(/Native iOS and Android/);
    expect(prd.openQuestions?.join(" ")).toMatch(/platform/);
    expect(prd.openQuestions?.join(" ")).toMatch(/budget/);
    expect(prd.openQuestions?.join(" ")).toMatch(/filed under B2B SaaS but reads as Healthcare/);
  });

  it("when drafted, then the user flow runs from the home page to the core feature's screen", () => {
    const { brief, prd } = draft(DENTAL, "healthcare");
    const flow = prd.userFlow ?? [];
    expect(flow[0]?.screenId).toBe("landing");
    expect(flow.at(-1)?.screenId).toBe(brief.keyFeatures[0]?.id);
  });

  it("when drafted, then the positioning chart has every comparable and ours, and renders as SVG with escaped names", () => {
    const { market, prd } = draft(DENTAL, "healthcare");
    const chart = prd.positioning!;
    expect(chart.points.filter((p) => !p.ours).map((p) => p.name)).toEqual(
      market.comparables.map((c) => c.name),
    );
    expect(chart.points.filter((p) => p.ours)).toHaveLength(1);
    const svg = positioningSvg(
      { ...chart, points: [...chart.points, { name: "<script>x</script>", x: 0.2, y: 0.2, ours: false }] },
      "Slot & Co",
      true,
    );
    expect(svg).toMatch(/^<\?xml/);
    expect((svg.match(/<circle/g) ?? []).length).toBe(chart.points.length + 1);
    expect(svg).not.toContain("<script>");
    expect(svg).toContain("Slot &amp; Co");
  });

  it("when a feature is a noun phrase (a provider's 'Team workspace'), then sentences say 'use the team workspace'", () => {
    expect(featureAction({ name: "Team workspace" })).toBe("use the team workspace");
    expect(featureAction({ name: "Order tracking" })).toBe("use the order tracking");
    expect(featureAction({ name: "Book vetted walkers" })).toBe("book vetted walkers");
  });

  it("when goals carry numbers, then the OKRs carry the same numbers", () => {
    const { brief, prd, kb } = draft(DENTAL, "healthcare", {
      goals: "Cut no-shows by 30% in 6 months; fill 200 freed slots a month",
    });
    const krs = draftOkrs(brief, prd, kb).objectives.flatMap((o) => o.keyResults);
    expect(krs).toContainEqual(
      expect.objectContaining({
        target: 30,
        unit: "%",
        deadline: expect.objectContaining({ weeksFromKickoff: 26 }),
      }),
    );
    expect(krs.some((k) => k.target === 200)).toBe(true);
  });
});

describe("draftMarket", () => {
  it("when the idea is about a dental waitlist, then the closest comparables are clinic booking products, not generic SaaS", () => {
    const { market } = draft(DENTAL, "saas");
    const names = market.comparables.map((c) => c.name);
    expect(names.slice(0, 3).some((n) => ["Jane App", "Dentally", "Cliniko", "Doctolib"].includes(n))).toBe(
      true,
    );
    expect(names).not.toContain("Asana");
    expect(names).not.toContain("Notion");
  });
});
