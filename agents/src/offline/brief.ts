/**
 * Offline intake parsing: from free text to a brief the later steps can build on.
 */
import type { IntakeInput } from "../contracts.ts";
import type { FeatureTemplate, Persona, SectorProfile } from "../kb.ts";
import type { Brief, Feature } from "../schemas.ts";
import {
  actionClauses,
  audiencePhrases,
  hash,
  keyPhrases,
  matchedTerms,
  parseBudget,
  parseTimeline,
  pick,
  sentenceCase,
  slugify,
  splitItems,
  stem,
  stemSet,
  stripMarkup,
  titleCase,
  tokenize,
  isStopword,
  ADVERBS,
} from "./nlp.ts";

const MIN_FEATURES = 3;
const MAX_FEATURES = 6;
const PROBLEM_CUES =
  /\b(?:struggl\w*|hard|difficult|waste\w*|can'?t|cannot|no way|too (?:much|many|slow|expensive)|problem\w*|pain\w*|expensive|slow|manual\w*|frustrat\w*|miss\w*|lose|losing|lack\w*|nobody|stuck|tedious|costly)\b/i;
const NAME_SUFFIXES = ["Hub", "Loop", "Desk", "Base", "Pilot", "Nest", "Flow", "Go"];

function templateScore(stems: Set<string>, template: FeatureTemplate): string[] {
  return matchedTerms(stems, template.keywords);
}

/** Features the client described, mapped onto the sector's templates when they overlap. */
function deriveFeatures(text: string, sector: SectorProfile, audience: string): Feature[] {
  const features: Feature[] = [];
  const usedTemplates = new Set<string>();
  const ids = new Set<string>();
  const add = (f: Omit<Feature, "id">): void => {
    let id = slugify(f.name, 32);
    for (let n = 2; ids.has(id); n++) id = `${slugify(f.name, 29)}-${n}`;
    ids.add(id);
    features.push({ id, ...f });
  };

  for (const clause of actionClauses(text, MAX_FEATURES)) {
    const stems = stemSet(clause.text);
    let best: { template: FeatureTemplate; hits: string[] } | undefined;
    for (const template of sector.features) {
      const hits = templateScore(stems, template);
      if (hits.length > (best?.hits.length ?? 0)) best = { template, hits };
    }
    if (best) usedTemplates.add(best.template.name);
    const words = clause.text.split(/\s+/).slice(0, 6).join(" ");
    add({
      name: titleCase(words),
      description: `${sentenceCase(audience)} can ${clause.text}.`,
      screen: best ? best.template.screen : clause.screen,
      source: "idea",
      ...(best ? { sectorPattern: best.template.name } : {}),
      keywords: [...new Set([...tokenize(clause.text).filter((t) => !isStopword(t)), ...(best?.hits ?? [])])],
    });
    if (features.length >= MAX_FEATURES - 1) break;
  }

  // The knowledge base fills in what the idea implies but does not spell out.
  const ideaStems = stemSet(text);
  const ranked = sector.features
    .map((template, order) => ({ template, order, hits: templateScore(ideaStems, template) }))
    .filter((r) => !usedTemplates.has(r.template.name))
    .sort((a, b) => b.hits.length - a.hits.length || a.order - b.order);
  for (const { template, hits } of ranked) {
    const enough = features.length >= MIN_FEATURES;
    if ((enough && hits.length === 0) || features.length >= 5) break;
    add({
      name: template.name,
      description: template.description,
      screen: template.screen,
      source: "kb",
      sectorPattern: template.name,
      keywords: hits.length ? hits : template.keywords.slice(0, 3),
    });
  }
  return features;
}

function personaWords(sector: SectorProfile): string[] {
  return sector.personas.flatMap((p) => p.keywords);
}

function personaHits(stems: Set<string>, persona: Persona): number {
  return matchedTerms(stems, persona.keywords).length;
}

function deriveUsers(text: string, sector: SectorProfile): Brief["targetUsers"] {
  const stems = stemSet(text);
  const ranked = sector.personas
    .map((persona, order) => ({ persona, order, hits: personaHits(stems, persona) }))
    .sort((a, b) => b.hits - a.hits || a.order - b.order);
  const users: Brief["targetUsers"] = [];
  for (const phrase of audiencePhrases(text, 3, personaWords(sector))) {
    const match = sector.personas
      .map((persona) => ({ persona, hits: personaHits(stemSet(phrase), persona) }))
      .sort((a, b) => b.hits - a.hits)[0];
    users.push({
      name: sentenceCase(phrase),
      description: match?.hits
        ? `Named in the intake; closest sector persona: ${match.persona.name.toLowerCase()} (${match.persona.role.toLowerCase()}).`
        : "Named in the intake as the people the product is for.",
      source: "idea",
      ...(match?.hits ? { personaId: match.persona.id } : {}),
    });
  }
  const claimed = new Set(users.map((u) => u.personaId));
  for (const { persona, hits } of ranked) {
    if (users.length >= 4 || (users.length >= 2 && hits === 0)) break;
    if (claimed.has(persona.id)) continue;
    users.push({
      name: persona.name,
      description: `${persona.role}; needs ${persona.needs.join(", ")}.`,
      source: "kb",
      personaId: persona.id,
    });
  }
  return users;
}

/** Head noun of a phrase: last word that is not a verb, adverb or stopword ("pen pals abroad" → "pal"). */
function headNoun(phrase: string, verbs: ReadonlySet<string | undefined>): string | undefined {
  const head = tokenize(phrase)
    .reverse()
    .find((w) => w.length >= 3 && /^[a-z]+$/.test(w) && !verbs.has(w) && !ADVERBS.has(w) && !isStopword(w));
  return head ? stem(head) : undefined;
}

function productName(intake: IntakeInput, phrases: { phrase: string }[], features: Feature[]): string {
  const verbs = new Set(features.map((f) => tokenize(f.name)[0]));
  // The object of the first thing users do names the product best ("generate tenancy agreements").
  const candidates = [
    ...features.filter((f) => f.source === "idea").map((f) => f.name.split(/\s+/).slice(1).join(" ")),
    ...phrases.map((p) => p.phrase),
  ];
  const suffix = pick(NAME_SUFFIXES, hash(intake.idea));
  for (const candidate of candidates) {
    const noun = headNoun(candidate, verbs);
    if (noun) return `${noun.charAt(0).toUpperCase()}${noun.slice(1)}${suffix}`;
  }
  return `${intake.company?.trim() || "Venture"} ${suffix}`;
}

function problemStatement(idea: string, audience: string, features: Feature[]): string {
  const sentences = stripMarkup(idea)
    .split(/(?<=[.!?])\s+/)
    .map((s) => s.trim())
    .filter((s) => PROBLEM_CUES.test(s));
  if (sentences.length) return sentences.slice(0, 2).join(" ");
  // Clauses from the idea are verb phrases ("run async standups"); KB features are nouns.
  const jobs = features
    .slice(0, 2)
    .map((f) => (f.source === "idea" ? f.name.toLowerCase() : `handle ${f.name.toLowerCase()}`))
    .join(" and ");
  return `${sentenceCase(audience)} have no simple, dedicated way to ${jobs}; today they patch it together with general-purpose tools.`;
}

function goals(
  intake: IntakeInput,
  sector: SectorProfile,
  product: string,
  weeks: number | undefined,
): string[] {
  const given = intake.goals ? splitItems(stripMarkup(intake.goals)).slice(0, 5) : [];
  if (given.length) return given.map(sentenceCase);
  return [
    `Validate that the target users want ${product}, measured by ${sector.metrics[0]}`,
    `Launch a first usable version${weeks ? ` within ${weeks} weeks` : ""}`,
    `Learn which key feature drives ${sector.metrics[1] ?? sector.metrics[0]}`,
  ];
}

export function draftBrief(intake: IntakeInput, sector: SectorProfile): Brief {
  const text = [intake.idea, intake.goals ?? ""].join("\n");
  const audiences = audiencePhrases(intake.idea, 3, personaWords(sector));
  const targetUsers = deriveUsers(intake.idea, sector);
  const audience = audiences[0] ?? targetUsers[0]?.name.toLowerCase() ?? "users";
  const keyFeatures = deriveFeatures(intake.idea, sector, audience);
  const phrases = keyPhrases(text, sector.vocabulary, 10);
  const budget = intake.budget?.trim() ? parseBudget(intake.budget) : null;
  const timeline = intake.timeline?.trim() ? parseTimeline(intake.timeline) : null;
  const name = productName(intake, phrases, keyFeatures);

  const notes: string[] = [];
  if (!budget) notes.push("No budget given: the plan assumes a lean MVP and a clickable prototype first.");
  else if (budget.max === undefined)
    notes.push(`Budget "${budget.raw}" is not an amount; confirm it with the client.`);
  else if (budget.max < 10_000)
    notes.push("Budget below 10k: scope stays at prototype and demand validation.");
  if (!timeline) notes.push("No timeline given: milestones assume 12 weeks.");
  else if (timeline.weeks === undefined)
    notes.push(`Timeline "${timeline.raw}" has no duration; confirm a date.`);
  else if (timeline.weeks < 6)
    notes.push("Timeline under 6 weeks: only one key feature can be production-ready.");

  return {
    productName: name,
    ...(intake.company?.trim() ? { company: intake.company.trim() } : {}),
    sector: { id: sector.id, name: sector.name },
    idea: intake.idea.trim(),
    problemStatement: problemStatement(intake.idea, audience, keyFeatures),
    targetUsers,
    keyFeatures,
    keywords: phrases.length
      ? phrases.map((p) => ({ term: p.phrase, score: p.score }))
      : [{ term: sector.id, score: 0 }],
    constraints: { budget, timeline, notes },
    goals: goals(intake, sector, name, timeline?.weeks),
  };
}
