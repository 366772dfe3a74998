/**
 * Offline market mapping: comparable products ranked by how close they are to the idea across the
 * whole knowledge base (a dog-walking marketplace can learn from Etsy), matched on each product's
 * description, positioning and tags; the sector only breaks ties.
 */
import { type Comparable, type SectorProfile, getSector, listSectors } from "../kb.ts";
import { audienceOf } from "./grammar.ts";
import type { Brief, Market } from "../schemas.ts";
import { analyse, slugify, stemWord } from "../text/index.ts";
import { featureAction } from "./prd.ts";

const SAME_SECTOR_BONUS = 0.5;
const MIN_COMPARABLES = 3;
const MAX_COMPARABLES = 5;

export function comparableSourceId(sectorId: string, comparable: Comparable): string {
  return `kb:sectors/${sectorId}/comparables/${slugify(comparable.name)}`;
}

/** Content stems of the brief with a weight: the idea's own words count most. */
export function briefWeights(brief: Brief): Map<string, { weight: number; word: string }> {
  const weights = new Map<string, { weight: number; word: string }>();
  const add = (text: string, weight: number) => {
    for (const t of analyse(text)) {
      if (t.stop || !/\p{L}{3,}/u.test(t.value)) continue;
      const w = weights.get(t.stem);
      if (!w || w.weight < weight) weights.set(t.stem, { weight, word: t.lemma });
    }
  };
  add([...brief.keyFeatures.flatMap((f) => [f.name, ...f.keywords]), ...brief.goals].join(". "), 1);
  add(brief.idea, 1.5);
  add(
    brief.keywords
      .slice(0, 6)
      .map((k) => k.term)
      .join(". "),
    2,
  );
  return weights;
}

/** Stems of a comparable: its tags count double, description and positioning once. */
function comparableStems(c: Comparable): { tags: Set<string>; text: Set<string> } {
  const stems = (text: string) =>
    new Set(
      analyse(text)
        .filter((t) => !t.stop && /\p{L}{3,}/u.test(t.value))
        .map((t) => t.stem),
    );
  return {
    tags: new Set(c.tags.map((t) => stemWord(t))),
    text: stems(`${c.description ?? ""} ${c.positioning}`),
  };
}

interface Scored {
  sector: SectorProfile;
  comparable: Comparable;
  score: number;
  matched: string[];
  order: number;
}

function scoreAll(brief: Brief, own: SectorProfile): Scored[] {
  const weights = briefWeights(brief);
  const scored: Scored[] = [];
  let order = 0;
  for (const { id } of listSectors()) {
    const sector = getSector(id);
    if (!sector) continue;
    for (const comparable of sector.comparables) {
      const { tags, text } = comparableStems(comparable);
      let score = 0;
      const matched: string[] = [];
      for (const [stem, { weight, word }] of weights) {
        const inTags = tags.has(stem);
        const inText = text.has(stem);
        if (!inTags && !inText) continue;
        score += weight * (inTags ? 2 : 1);
        matched.push(word);
      }
      if (sector.id === own.id && score > 0) score += SAME_SECTOR_BONUS;
      scored.push({ sector, comparable, score, matched, order: order++ });
    }
  }
  return scored.sort((a, b) => b.score - a.score || a.order - b.order);
}

function why(s: Scored, own: SectorProfile): string {
  const where =
    s.sector.id === own.id ? `same sector (${own.name})` : `neighbouring market (${s.sector.name})`;
  return s.matched.length
    ? `Overlaps with the idea on ${s.matched.slice(0, 5).join(", ")}; ${where}.`
    : `No direct overlap with the idea; kept as the ${where} reference for pricing and positioning.`;
}

/**
 * `retrievedIds` are the comparables retrieval found closest to the brief: one with some overlap
 * that retrieval also ranked among the closest gets a small boost.
 */
export function draftMarket(
  brief: Brief,
  sector: SectorProfile,
  retrievedIds: readonly string[] = [],
): Market {
  const retrieved = new Set(retrievedIds);
  const ranked = scoreAll(brief, sector)
    .map((s) => ({
      ...s,
      score:
        s.score > 0 && retrieved.has(comparableSourceId(s.sector.id, s.comparable)) ? s.score + 0.5 : s.score,
    }))
    .sort((a, b) => b.score - a.score || a.order - b.order);
  const picked: Scored[] = ranked.filter((s) => s.score > 0).slice(0, MAX_COMPARABLES);
  // Too little overlap anywhere: the own sector's products stand in, said as such in "why".
  for (const s of ranked.filter((r) => r.sector.id === sector.id)) {
    if (picked.length >= MIN_COMPARABLES) break;
    if (!picked.includes(s)) picked.push(s);
  }

  const weights = briefWeights(brief);
  const pricing = sector.pricingModels
    .map((model, order) => ({
      model,
      order,
      hits: [
        ...new Set(
          analyse(`${model.name} ${model.description}`)
            .filter((t) => !t.stop && weights.has(t.stem))
            .map((t) => t.lemma),
        ),
      ],
    }))
    .sort((a, b) => b.hits.length - a.hits.length || a.order - b.order);
  const best = pricing[0];
  if (!best) throw new Error(`sector ${sector.id} has no pricing models`);

  const audience = audienceOf(brief);
  const differentiators = picked.slice(0, 3).map((s, i) => {
    const feature = brief.keyFeatures[i % brief.keyFeatures.length];
    const what = feature ? `Lets ${audience} ${featureAction(feature)}` : `Built for ${audience}`;
    return `${what}, where ${s.comparable.name} is weak: ${s.comparable.weaknesses[0]}.`;
  });

  return {
    sector: { id: sector.id, name: sector.name, description: sector.description },
    patterns: sector.patterns,
    comparables: picked.map((s) => ({
      name: s.comparable.name,
      positioning: s.comparable.positioning,
      pricePoint: s.comparable.pricePoint,
      strengths: s.comparable.strengths,
      weaknesses: s.comparable.weaknesses,
      score: Math.round(s.score * 10) / 10,
      matchedTerms: [...new Set(s.matched)],
      why: why(s, sector),
      sourceId: comparableSourceId(s.sector.id, s.comparable),
    })),
    pricingModels: sector.pricingModels,
    recommendedPricing: {
      model: best.model.name,
      rationale: best.hits.length
        ? `The brief mentions ${best.hits.join(", ")}, which fits "${best.model.name}" (${best.model.typicalPrice}).`
        : `Most common in ${sector.name} and easy to explain to ${audience} (${best.model.typicalPrice}).`,
    },
    differentiators,
    sources: [
      { id: `kb:sectors/${sector.id}/patterns`, title: `Knowledge base: ${sector.name} market patterns` },
      ...picked.map((s) => ({
        id: comparableSourceId(s.sector.id, s.comparable),
        title: `Knowledge base: ${s.comparable.name} (${s.sector.name}), indicative pricing`,
      })),
    ],
  };
}
