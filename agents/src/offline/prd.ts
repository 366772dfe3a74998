/**
 * Offline PRD drafting from the brief, the market map and the sector profile.
 */
import type { SectorProfile } from "../kb.ts";
import type { Brief, Feature, Market, Prd } from "../schemas.ts";
import { sentenceCase } from "./nlp.ts";

const ACCEPTANCE: Record<Feature["screen"], (f: Feature, who: string) => string[]> = {
  form: (f, who) => [
    `Given ${who} fills in every required field, when they submit "${f.name}", then they see a confirmation within 2 seconds.`,
    `Given a required field is empty or invalid, when they submit, then the form names that field and keeps what was typed.`,
    `The form works on a 375 px wide phone screen and with the keyboard only.`,
  ],
  list: (f, who) => [
    `Given there are entries, when ${who} opens "${f.name}", then the most relevant entries are listed first.`,
    `When they filter or search, then the list updates without a full page reload.`,
    `Given there are no entries, then an empty state explains the next step.`,
  ],
  dashboard: (f, who) => [
    `When ${who} opens "${f.name}", then the key figures load in under 2 seconds.`,
    `Each figure shows its period and the change against the previous period.`,
    `Given no data yet, then each card explains how it will fill up.`,
  ],
};

export function draftPrd(brief: Brief, market: Market, sector: SectorProfile): Prd {
  // People the client named get needs from their own features; KB personas bring the sector's.
  const personas = brief.targetUsers.map((u) => {
    const kb = u.source === "kb" ? sector.personas.find((p) => p.id === u.personaId) : undefined;
    return {
      name: u.name,
      role: kb?.role ?? u.description,
      needs:
        kb?.needs ??
        brief.keyFeatures.slice(0, 3).map((f) => `a quick, reliable way to ${f.name.toLowerCase()}`),
    };
  });
  const primary = personas[0] ?? { name: "User", role: "user", needs: ["save time"] };

  const rows = market.comparables.map((c) => ({
    product: c.name,
    positioning: c.positioning,
    price: c.pricePoint,
    gap: c.weaknesses[0] ?? "no clear gap",
  }));

  const timelineWeeks = brief.constraints.timeline?.weeks ?? 12;
  const budgetMax = brief.constraints.budget?.max;
  const unused = sector.features.filter((t) => !brief.keyFeatures.some((f) => f.sectorPattern === t.name));
  const out = [
    ...unused.slice(0, 2).map((t) => `${t.name} (later: ${t.description.toLowerCase()})`),
    timelineWeeks < 20 ? "Native iOS and Android apps; the MVP is a responsive web app" : "Offline mode",
    budgetMax !== undefined && budgetMax < 25_000
      ? "Custom integrations beyond email and calendar"
      : "Multi-language support",
  ];

  const problemFirst = brief.problemStatement.split(/(?<=[.!?])\s+/)[0] ?? brief.problemStatement;
  const userStories = brief.keyFeatures.map((f, i) => {
    const persona = personas[i % personas.length] ?? primary;
    // The client's own audience wants the problem they described solved; KB personas bring their needs.
    const fromIdea = brief.targetUsers[i % personas.length]?.source === "idea";
    const need = fromIdea ? problemFirst : (persona.needs[i % persona.needs.length] ?? "save time");
    return {
      id: `US-${i + 1}`,
      persona: persona.name,
      want: f.name.toLowerCase(),
      benefit: need,
      featureId: f.id,
      acceptance: ACCEPTANCE[f.screen](f, persona.name.toLowerCase()),
    };
  });

  const horizon = `week ${timelineWeeks}`;
  const metrics = sector.metrics.slice(0, 3).map((m, i) => ({
    name: sentenceCase(m),
    definition: `${sentenceCase(m)} for ${brief.productName}, measured weekly from launch.`,
    target:
      i === 0
        ? `baseline in the first 2 weeks after launch, +25% by ${horizon}`
        : `tracked from launch, target set at the ${horizon} review`,
  }));
  metrics.push({
    name: "Task success in usability tests",
    definition: `Share of test users who complete "${brief.keyFeatures[0]?.name}" without help.`,
    target: "80% or more before launch",
  });

  const risks = sector.risks.slice(0, 3).map((r) => ({
    risk: sentenceCase(r),
    mitigation: `Test it early with ${primary.name.toLowerCase()}: interviews and the prototype before building further.`,
  }));
  for (const note of brief.constraints.notes) {
    risks.push({ risk: note, mitigation: "Agree scope and milestones at kickoff; revisit at every demo." });
  }

  const leader = market.comparables[0];
  return {
    title: `${brief.productName}: product requirements`,
    summary: `${brief.productName} is ${/^[aeiou]/i.test(sector.name) ? "an" : "a"} ${sector.name} product for ${primary.name.toLowerCase()}: ${brief.keyFeatures
      .map((f) => f.name.toLowerCase())
      .join(", ")}.`,
    problem: brief.problemStatement,
    personas,
    competitive: {
      rows,
      ourPosition: leader
        ? `${leader.name} is the closest reference (score ${leader.score}). ${brief.productName} competes on focus: ${market.differentiators[0] ?? brief.keyFeatures[0]?.name}`
        : `${brief.productName} competes on focus for ${primary.name.toLowerCase()}.`,
    },
    scope: {
      in: brief.keyFeatures.map(
        (f) =>
          `${f.name}: ${f.description}${f.sectorPattern && f.source === "idea" ? ` Sector pattern: ${f.sectorPattern.toLowerCase()}.` : ""}`,
      ),
      out,
    },
    userStories,
    metrics,
    risks,
    sources: market.sources,
  };
}
