/**
 * Offline PRD drafting from the brief, the market map and the sector profile. Every requirement
 * traces to a key feature the idea named or to a constraint the client wrote.
 */
import type { SectorProfile } from "../kb.ts";
import type { Brief, Feature, Market, Prd } from "../schemas.ts";
import { analyse, article, joinList, sentenceCase, stemsOf } from "../text/index.ts";
import { namedConstraints } from "../quality/relevance.ts";
import { pluralOf } from "./grammar.ts";

type Story = Prd["userStories"][number];

const NOUN_SUFFIX = /(?:ing|tion|sion|ment|ance|ence|ity|ness|ics|ure|age|ship)$/;

/**
 * A feature as a verb phrase after "to". Drafted features carry it; for a name alone ("Team
 * workspace", "Order tracking") the tagger decides, with compound nouns read as things to use.
 */
export function featureAction(f: Pick<Feature, "name" | "action">): string {
  if (f.action) return f.action;
  const lower = f.name.charAt(0).toLowerCase() + f.name.slice(1);
  const words = lower.split(/\s+/);
  const tokens = analyse(`to ${lower}`).slice(1);
  const first = tokens[0];
  const last = tokens[tokens.length - 1];
  const compound =
    /ing$/.test(words[0] ?? "") ||
    (words.length <= 3 && NOUN_SUFFIX.test(words[words.length - 1] ?? "")) ||
    (words.length === 2 &&
      last !== undefined &&
      last.pos === "NOUN" &&
      last.lemma === last.lower &&
      analyse(`the ${lower}`)[1]?.pos !== "VERB" &&
      analyse(lower)[0]?.pos !== "VERB");
  return first && (first.pos === "VERB" || first.pos === "AUX") && !compound
    ? lower
    : `use the ${f.name.toLowerCase()}`;
}

const ACCEPTANCE: Record<Feature["screen"], (f: Feature, who: string) => string[]> = {
  form: (f, who) => [
    `Given ${who} fill in every required field, when they submit "${f.name}", then they see a confirmation within 2 seconds.`,
    `Given a required field is empty or invalid, when they submit, then the form names that field and keeps what was typed.`,
    `The form works on a 375 px wide phone screen and with the keyboard only.`,
  ],
  list: (f, who) => [
    `Given there are entries, when ${who} open "${f.name}", then the most relevant entries are listed first.`,
    `When they filter or search, then the list updates without a full page reload.`,
    `Given there are no entries, then an empty state explains the next step.`,
  ],
  dashboard: (f, who) => [
    `When ${who} open "${f.name}", then the key figures load in under 2 seconds.`,
    `Each figure shows its period and the change against the previous period.`,
    `Given no data yet, then each card explains how it will fill up.`,
  ],
};

/** "must work offline" → an acceptance criterion every story carries. */
function constraintCriterion(constraint: string): string {
  const c = constraint.replace(/[.;]+$/, "").trim();
  const lower = c.charAt(0).toLowerCase() + c.slice(1);
  if (/^(?:must|should|has to|needs to|have to|need to)\b/i.test(c)) {
    return `Like every feature, it ${lower.replace(/^(?:has to|needs to|have to|need to)\b/, "must")}.`;
  }
  return `It works within the constraint the client set: ${lower}.`;
}

/** The people a persona name stands for, as the subject of a plural sentence. */
function peopleOf(name: string, fromIdea: boolean): string {
  const lower = name.toLowerCase();
  return fromIdea ? lower : pluralOf(lower);
}

/** First number in a price point ("$10 per user per month" → 10); undefined when there is none. */
function priceNumber(price: string): number | undefined {
  const m = /(\d+(?:[.,]\d+)?)\s*(k)?/i.exec(price.replace(/,(?=\d{3})/g, ""));
  if (!m) return undefined;
  return Number((m[1] ?? "0").replace(",", ".")) * (m[2] ? 1000 : 1);
}

function positioning(brief: Brief, market: Market): NonNullable<Prd["positioning"]> {
  const prices = market.comparables.map((c) => priceNumber(c.pricePoint));
  const ours = market.pricingModels.find((p) => p.name === market.recommendedPricing.model);
  const ourPrice = ours ? priceNumber(ours.typicalPrice) : undefined;
  const known = [...prices, ourPrice].filter((p): p is number => p !== undefined && p > 0);
  const lo = Math.log10(Math.min(...known, 1));
  const hi = Math.log10(Math.max(...known, 10));
  const x = (p: number | undefined) =>
    p === undefined || p <= 0
      ? 0.5
      : Math.round(((Math.log10(p) - lo) / Math.max(0.001, hi - lo)) * 100) / 100;
  const maxScore = Math.max(1, ...market.comparables.map((c) => c.score));
  return {
    xAxis: { label: "Price point", low: "lower", high: "higher" },
    yAxis: { label: "Overlap with the idea", low: "general-purpose", high: "built for it" },
    points: [
      ...market.comparables.map((c, i) => ({
        name: c.name,
        x: x(prices[i]),
        y: Math.round(Math.min(0.9, (c.score / maxScore) * 0.9) * 100) / 100,
        ours: false,
      })),
      { name: brief.productName, x: x(ourPrice), y: 1, ours: true },
    ],
  };
}

function userFlow(brief: Brief): NonNullable<Prd["userFlow"]> {
  const core = brief.keyFeatures[0];
  if (!core) return [{ step: 1, screenId: "landing", action: "Open the home page." }];
  const screenId = core.id === "landing" ? "landing-feature" : core.id;
  const doIt: Record<Feature["screen"], string> = {
    form: `Fill in the form and submit it to ${featureAction(core)}.`,
    list: `Find the right entry in the list to ${featureAction(core)}.`,
    dashboard: `Read the key figures to ${featureAction(core)}.`,
  };
  const done: Record<Feature["screen"], string> = {
    form: "See the confirmation that it worked.",
    list: "Open an entry to see its details.",
    dashboard: "Compare the figures with the previous period.",
  };
  return [
    { step: 1, screenId: "landing", action: `Open the home page of ${brief.productName}.` },
    { step: 2, screenId: "landing", action: `Choose "${core.name}" from the call to action.` },
    { step: 3, screenId, action: doIt[core.screen] },
    { step: 4, screenId, action: done[core.screen] },
  ];
}

/**
 * What the PRD must honour: the brief's constraints plus any the client named in the idea or goals
 * that the brief missed (working offline, a device, a named system), so a named constraint is
 * always in scope, in the acceptance criteria and, for a system, a requirement and a risk.
 */
export function constraintsOf(brief: Brief): { platform: string[]; integrations: string[] } {
  const platform = [...(brief.constraints.platform ?? [])];
  const integrations = [...(brief.constraints.integrations ?? [])];
  const named = namedConstraints({ idea: brief.idea, goals: brief.goals.join("\n") });
  for (const c of named) {
    if (c.kind === "integration") {
      if (!integrations.some((n) => c.pattern.test(n))) integrations.push(c.name);
    } else if (!platform.some((p) => c.pattern.test(p))) {
      platform.push(c.kind === "offline" ? "must work offline" : `must work on ${pluralOf(c.name)}`);
    }
  }
  return { platform, integrations };
}

export function draftPrd(brief: Brief, market: Market, sector: SectorProfile): Prd {
  // People the client named get needs from their own features; KB personas bring the sector's.
  const personas = brief.targetUsers.map((u) => {
    const kb = u.source === "kb" ? sector.personas.find((p) => p.id === u.personaId) : undefined;
    return {
      name: u.name,
      role: kb?.role ?? u.description,
      needs: kb
        ? [
            ...brief.keyFeatures.slice(0, 1).map((f) => `a quick, reliable way to ${featureAction(f)}`),
            ...kb.needs,
          ]
        : brief.keyFeatures.slice(0, 3).map((f) => `a quick, reliable way to ${featureAction(f)}`),
    };
  });
  const primary = personas[0] ?? { name: "Early users", role: "user", needs: ["save time"] };
  const primaryPeople = peopleOf(primary.name, brief.targetUsers[0]?.source !== "kb");
  const { platform, integrations } = constraintsOf(brief);

  const rows = market.comparables.map((c) => ({
    product: c.name,
    positioning: c.positioning,
    price: c.pricePoint,
    gap: c.weaknesses[0] ?? "no clear gap",
  }));

  const timelineWeeks = brief.constraints.timeline?.weeks ?? 12;
  const budgetMax = brief.constraints.budget?.max;
  // Out of scope never contradicts what the client asked for (offline, a platform, an integration).
  const asked = stemsOf([...platform, ...integrations, brief.idea].join(" "));
  const clashes = (item: string) =>
    analyse(item).some(
      (t) =>
        !t.stop &&
        /\p{L}{3,}/u.test(t.value) &&
        asked.has(t.stem) &&
        /offline|android|ios|native|integrat|language|app/.test(t.lower),
    );
  const out = [
    timelineWeeks < 20
      ? "Native iOS and Android apps; the MVP is a responsive web app"
      : "Native apps beyond the platform agreed at kickoff",
    budgetMax !== undefined && budgetMax < 25_000
      ? "Custom integrations beyond the ones named in the intake"
      : "Multi-language support",
    "Admin tooling beyond what the key features need",
  ].filter((o) => !clashes(o));
  if (out.length === 0) out.push("Anything not listed in scope above");

  const problemFirst = brief.problemStatement.split(/(?<=[.!?])\s+/)[0] ?? brief.problemStatement;
  const userStories: Story[] = brief.keyFeatures.map((f, i) => {
    // The story belongs to whoever the feature's description names, else the primary persona.
    const owner =
      personas.find((p) => f.description.toLowerCase().startsWith(p.name.toLowerCase())) ??
      personas[i % personas.length] ??
      primary;
    const fromIdea = brief.targetUsers.find((u) => u.name === owner.name)?.source !== "kb";
    const need = fromIdea
      ? problemFirst
      : (owner.needs[(i % (owner.needs.length - 1)) + 1] ?? owner.needs[0] ?? "save time");
    return {
      id: `US-${i + 1}`,
      persona: owner.name,
      want: featureAction(f),
      benefit: sentenceCase(need),
      featureId: f.id,
      acceptance: [
        ...ACCEPTANCE[f.screen](f, peopleOf(owner.name, fromIdea)),
        // What the description adds after its first sentence (what it covers, whom it keeps informed).
        ...f.description.split(/(?<=[.!?])\s+/).slice(1),
        ...platform.map(constraintCriterion),
      ],
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
  const core = brief.keyFeatures[0];
  metrics.push({
    name: "Task success in usability tests",
    definition: core
      ? `Share of test users who manage to ${featureAction(core)} without help.`
      : "Share of test users who complete the core task without help.",
    target: "80% or more before launch",
  });

  const risks = sector.risks.slice(0, 3).map((r) => ({
    risk: sentenceCase(r),
    mitigation: `Test it early with ${primaryPeople}: interviews and the prototype before building further.`,
  }));
  for (const name of integrations) {
    risks.push({
      risk: `The ${name} integration depends on access, terms and rate limits outside our control.`,
      mitigation: `Get test access to ${name} in the first week and keep the integration behind one adapter, so a change on their side touches one module.`,
    });
  }
  for (const c of platform) {
    risks.push({
      risk: `The constraint "${c}" shapes the architecture and the testing effort.`,
      mitigation: "Test on the named devices and conditions from the first prototype on, not at the end.",
    });
  }
  for (const note of brief.constraints.notes) {
    risks.push({ risk: note, mitigation: "Agree scope and milestones at kickoff; revisit at every demo." });
  }

  const requirements: NonNullable<Prd["requirements"]> = [];
  brief.keyFeatures.forEach((f, i) => {
    requirements.push({
      id: `REQ-${requirements.length + 1}`,
      priority: i === 0 ? "P0" : i < 3 ? "P1" : "P2",
      requirement: `${sentenceCase(peopleOf(owner(f), true))} can ${featureAction(f)}.`,
      featureId: f.id,
      origin: "feature",
    });
  });
  function owner(f: Feature): string {
    const p = personas.find((x) => f.description.toLowerCase().startsWith(x.name.toLowerCase()));
    return p
      ? peopleOf(p.name, brief.targetUsers.find((u) => u.name === p.name)?.source !== "kb")
      : primaryPeople;
  }
  for (const c of platform) {
    requirements.push({
      id: `REQ-${requirements.length + 1}`,
      priority: "P0",
      requirement: `Every key feature meets the platform constraint: ${c.replace(/[.;]+$/, "")}.`,
      origin: "constraint",
    });
  }
  for (const name of integrations) {
    requirements.push({
      id: `REQ-${requirements.length + 1}`,
      priority: "P1",
      requirement: `Connect to ${name} as the client asked, with clear errors when it is unavailable.`,
      origin: "integration",
    });
  }

  const leader = market.comparables[0];
  const sectorPhrase = `${article(sector.name)} ${sector.name}`;
  return {
    title: `${brief.productName}: product requirements`,
    summary: `${brief.productName} is ${sectorPhrase} product for ${primaryPeople}. They can ${joinList(brief.keyFeatures.map(featureAction))}.`,
    problem: brief.problemStatement,
    personas,
    competitive: {
      rows,
      ourPosition: leader
        ? `${leader.name} is the closest reference (score ${leader.score}). ${brief.productName} competes on focus: ${market.differentiators[0] ?? brief.keyFeatures[0]?.name}`
        : `${brief.productName} competes on focus for ${primaryPeople}.`,
    },
    scope: {
      in: [
        ...brief.keyFeatures.map(
          (f) =>
            `${f.name}: ${f.description}${f.sectorPattern ? ` Sector pattern: ${f.sectorPattern.toLowerCase()}.` : ""}`,
        ),
        ...platform.map((c) => `Platform constraint: ${c.replace(/[.;]+$/, "")}.`),
        ...integrations.map((n) => `Integration with ${n}.`),
      ],
      out,
    },
    userStories,
    metrics,
    risks,
    sources: market.sources,
    requirements,
    openQuestions: brief.openQuestions?.length
      ? brief.openQuestions
      : ["Which result would make the first release a success?"],
    userFlow: userFlow(brief),
    positioning: positioning(brief, market),
  };
}
