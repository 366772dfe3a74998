/**
 * Offline market mapping: comparable products ranked by overlap with the brief, across the whole
 * knowledge base (a dog-walking marketplace can learn from Etsy), with a bonus for the own sector.
 */
import { type Comparable, type SectorProfile, getSector, listSectors } from "../kb.ts";
import type { Brief, Market } from "../schemas.ts";
import { matchedTerms, slugify, stemSet } from "./nlp.ts";

const SAME_SECTOR_BONUS = 1.5;
const MIN_OWN_SECTOR = 3;
const MAX_COMPARABLES = 5;

export function comparableSourceId(sectorId: string, comparable: Comparable): string {
  return `kb:sectors/${sectorId}/comparables/${slugify(comparable.name)}`;
}

export function briefStems(brief: Brief): Set<string> {
  return stemSet(
    [
      brief.idea,
      brief.problemStatement,
      ...brief.keyFeatures.flatMap((f) => [f.name, ...f.keywords]),
      ...brief.keywords.map((k) => k.term),
      ...brief.goals,
    ].join(" "),
  );
}

interface Scored {
  sector: SectorProfile;
  comparable: Comparable;
  score: number;
  tagHits: string[];
  positioningHits: string[];
  order: number;
}

function scoreAll(brief: Brief, own: SectorProfile): Scored[] {
  const stems = briefStems(brief);
  const scored: Scored[] = [];
  let order = 0;
  for (const { id } of listSectors()) {
    const sector = getSector(id);
    if (!sector) continue;
    for (const comparable of sector.comparables) {
      const tagHits = matchedTerms(stems, comparable.tags);
      const positioningHits = matchedTerms(
        stems,
        [...stemSet(comparable.positioning)].filter((w) => w.length > 3),
      );
      const own_ = sector.id === own.id;
      const score = tagHits.length * 2 + positioningHits.length + (own_ ? SAME_SECTOR_BONUS : 0);
      scored.push({ sector, comparable, score, tagHits, positioningHits, order: order++ });
    }
  }
  return scored.sort((a, b) => b.score - a.score || a.order - b.order);
}

function why(s: Scored, own: SectorProfile): string {
  const terms = [...s.tagHits, ...s.positioningHits.filter((p) => !s.tagHits.includes(p))];
  const where =
    s.sector.id === own.id ? `same sector (${own.name})` : `neighbouring market (${s.sector.name})`;
  return terms.length
    ? `Overlaps with the brief on ${terms.slice(0, 5).join(", ")}; ${where}.`
    : `No direct keyword overlap; kept as ${where} for pricing and positioning.`;
}

/**
 * `retrievedIds` are the comparables retrieval found closest to the brief: a product from another
 * sector enters the map with two shared tags, or when retrieval ranked it among the closest.
 */
export function draftMarket(
  brief: Brief,
  sector: SectorProfile,
  retrievedIds: readonly string[] = [],
): Market {
  const retrieved = new Set(retrievedIds);
  const ranked = scoreAll(brief, sector);
  const picked: Scored[] = [];
  // Own-sector products anchor the map; other sectors enter only with real overlap.
  for (const s of ranked.filter((r) => r.sector.id === sector.id).slice(0, MIN_OWN_SECTOR)) picked.push(s);
  for (const s of ranked) {
    if (picked.length >= MAX_COMPARABLES) break;
    if (picked.includes(s)) continue;
    if (
      s.sector.id !== sector.id &&
      s.tagHits.length < 2 &&
      !(retrieved.has(comparableSourceId(s.sector.id, s.comparable)) && s.score > 0)
    )
      continue;
    picked.push(s);
  }
  picked.sort((a, b) => b.score - a.score || a.order - b.order);

  const stems = briefStems(brief);
  const pricing = sector.pricingModels
    .map((model, order) => ({
      model,
      order,
      hits: matchedTerms(stems, [...stemSet(`${model.name} ${model.description}`)]),
    }))
    .sort((a, b) => b.hits.length - a.hits.length || a.order - b.order);
  const best = pricing[0];
  if (!best) throw new Error(`sector ${sector.id} has no pricing models`);

  const audience = brief.targetUsers[0]?.name.toLowerCase() ?? "the target users";
  const differentiators = picked.slice(0, 3).map((s, i) => {
    const feature = brief.keyFeatures[i % brief.keyFeatures.length];
    return `${feature?.name ?? brief.productName} for ${audience}, where ${s.comparable.name} is weak: ${s.comparable.weaknesses[0]}.`;
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
      matchedTerms: [...new Set([...s.tagHits, ...s.positioningHits])],
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
