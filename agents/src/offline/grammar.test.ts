/**
 * Runs the offline drafting model over a corpus of varied intakes and checks every sentence the
 * templates write for agreement, articles and leftovers. Sentences that only quote the client are
 * not the templates' to fix, so runs copied from the intake are left out before checking.
 */
import { describe, expect, it } from "vitest";
import { listSectors, requireSector } from "../kb.ts";
import type { IntakeInput } from "../contracts.ts";
import { grammarReport, sentences, withoutQuotedRuns } from "../text/index.ts";
import corpus from "./grammar-corpus.json" with { type: "json" };
import { draftBrief } from "./brief.ts";
import { draftCampaign } from "./campaign.ts";
import { draftExplainer } from "./explainer.ts";
import { draftMarket } from "./market.ts";
import { draftOkrs } from "./okrs.ts";
import { draftPrd } from "./prd.ts";
import { draftWireframes } from "./wireframes.ts";

const KB_FEATURE_NAMES = listSectors().flatMap((s) => requireSector(s.id).features.map((f) => f.name));
const KB_PRODUCT_NAMES = listSectors().flatMap((s) => requireSector(s.id).comparables.map((c) => c.name));

function draftAll(intake: IntakeInput) {
  const brief = draftBrief(intake, requireSector(intake.sector));
  const sector = requireSector(brief.sector.id);
  const market = draftMarket(brief, sector);
  const prd = draftPrd(brief, market, sector);
  const wireframes = draftWireframes(brief, market, prd, sector);
  const explainer = draftExplainer(brief, wireframes);
  const campaign = draftCampaign(brief, prd, explainer, "Ana");
  const okrs = draftOkrs(brief, prd, sector);
  return { brief, market, prd, wireframes, explainer, campaign, okrs };
}

/** Every sentence-like string the templates produce. */
function templateTexts(d: ReturnType<typeof draftAll>): string[] {
  const { brief, market, prd, wireframes, explainer, campaign, okrs } = d;
  return [
    brief.problemStatement,
    ...brief.keyFeatures.map((f) => f.description),
    ...brief.targetUsers.map((u) => u.description),
    ...brief.constraints.notes,
    ...(brief.openQuestions ?? []),
    ...market.differentiators,
    market.recommendedPricing.rationale,
    ...market.comparables.map((c) => c.why),
    prd.summary,
    prd.competitive.ourPosition,
    ...prd.personas.flatMap((p) => p.needs.map((n) => `Needs ${n}.`)),
    ...prd.userStories.flatMap((s) => [
      `As ${s.persona.toLowerCase()}, they want to ${s.want}.`,
      ...s.acceptance,
    ]),
    ...(prd.requirements ?? []).map((r) => r.requirement),
    ...(prd.userFlow ?? []).map((s) => s.action),
    ...prd.metrics.map((m) => m.definition),
    ...prd.risks.flatMap((r) => [r.risk, r.mitigation]),
    ...prd.scope.in,
    ...wireframes.screens.flatMap((s) => [
      s.purpose,
      ...s.regions.flatMap((r) =>
        r.pattern === "hero"
          ? [r.data.headline, r.data.subline]
          : r.pattern === "form"
            ? [r.data.confirmation]
            : [],
      ),
    ]),
    ...explainer.scenes.map((s) => s.narration),
    ...campaign.emails.flatMap((e) => [e.subject, e.preheader, ...e.paragraphs]),
    ...okrs.objectives.flatMap((o) => [o.title, ...o.keyResults.map((k) => k.description)]),
  ];
}

const intakes = corpus.intakes.map((i) => ({ email: "ana@example.com", ...i }) as IntakeInput);

// Each of these drafts the whole corpus (40+ intakes): minutes on a loaded 2-core machine, not seconds.
describe("offline drafting grammar over the corpus", () => {
  it("when the corpus is loaded, then it has at least 40 varied intakes across sectors", () => {
    expect(intakes.length).toBeGreaterThanOrEqual(40);
    expect(new Set(intakes.map((i) => i.sector)).size).toBeGreaterThanOrEqual(10);
  });

  it("when every intake is drafted, then no template sentence breaks agreement, articles or leaves a placeholder", () => {
    const findings = intakes.flatMap((intake) => {
      const source = `${intake.idea}\n${intake.goals ?? ""}`;
      const texts = templateTexts(draftAll(intake))
        .flatMap(sentences)
        // A sentence that is mostly the client's own words is theirs, not a template's.
        .filter((s) => withoutQuotedRuns(s, source, 5).length > s.length * 0.6);
      return grammarReport(texts, KB_FEATURE_NAMES, KB_PRODUCT_NAMES, { clientText: source }).map(
        (f) => `${f.rule}: ${f.detail} in "${f.sentence}"`,
      );
    });
    expect(findings).toEqual([]);
  }, 180_000);

  it("when every intake is drafted, then features are whole phrases, unique, and never a KB feature that matches nothing", () => {
    for (const intake of intakes) {
      const { brief } = draftAll(intake);
      const names = brief.keyFeatures.map((f) => f.name.toLowerCase());
      expect(new Set(names).size, intake.idea).toBe(names.length);
      for (const f of brief.keyFeatures) {
        expect(f.source, f.name).toBe("idea");
        expect(f.name, intake.idea).not.toMatch(/\b(?:a|an|the|on|of|to|for|with|and)$/i);
        expect(KB_FEATURE_NAMES, intake.idea).not.toContain(f.name);
      }
    }
  }, 180_000);
});
