/**
 * How well an idea fits each sector of the knowledge base. The intake's sector is what the client
 * filed it under; when another sector fits clearly better, the drafts use the one that fits (market
 * map, personas, pricing) and the brief says so.
 */
import { type SectorProfile, getSector, listSectors } from "../kb.ts";
import { stemWord, lemmas } from "../text/index.ts";
import type { IdeaReading } from "./idea.ts";

export interface SectorScore {
  sector: SectorProfile;
  score: number;
  /** Idea words the sector's vocabulary, features, personas and comparables share. */
  hits: string[];
  /** The sector feature template the idea overlaps most, for the label ("appointment booking"). */
  focus?: string;
}

export interface SectorFit {
  filed: SectorScore;
  best: SectorScore;
  /** True when the filed sector fits clearly worse than the best one. */
  mismatch: boolean;
  ranking: SectorScore[];
}

const stemsCache = new Map<string, Set<string>>();

function sectorStems(sector: SectorProfile): Set<string> {
  const hit = stemsCache.get(sector.id);
  if (hit) return hit;
  const words = [
    ...sector.vocabulary,
    ...sector.features.flatMap((f) => [f.name, ...f.keywords]),
    ...sector.personas.flatMap((p) => p.keywords),
    // Tags, not descriptions: a description names neighbouring things ("reminders", "payments")
    // that would make every sector fit a little.
    ...sector.comparables.flatMap((c) => c.tags),
  ]
    .join(" ")
    .toLowerCase()
    .split(/[^\p{L}\p{N}-]+/u)
    .filter((w) => w.length > 2);
  const stems = new Set(words.map(stemWord));
  stemsCache.set(sector.id, stems);
  return stems;
}

function scoreSector(sector: SectorProfile, reading: IdeaReading): SectorScore {
  const stems = sectorStems(sector);
  const key = new Set(reading.concepts.slice(0, 6).map((c) => stemWord(c.lemma)));
  const seen = new Set<string>();
  const hits: string[] = [];
  let score = 0;
  for (const lemma of lemmas(reading.text)) {
    const stem = stemWord(lemma);
    if (seen.has(stem) || !stems.has(stem)) continue;
    seen.add(stem);
    hits.push(lemma);
    score += key.has(stem) ? 2 : 1;
  }
  let focus: { name: string; n: number } | undefined;
  for (const f of sector.features) {
    const fs = new Set([f.name, ...f.keywords].join(" ").toLowerCase().split(/\s+/).map(stemWord));
    const n = [...seen].filter((s) => fs.has(s)).length;
    if (n > (focus?.n ?? 0)) focus = { name: f.name.toLowerCase(), n };
  }
  return { sector, score, hits, ...(focus ? { focus: focus.name } : {}) };
}

/** Scores the idea against every sector; `mismatch` when the filed one is clearly worse. */
export function sectorFit(reading: IdeaReading, filed: SectorProfile): SectorFit {
  const ranking = listSectors()
    .map(({ id }) => getSector(id))
    .filter((s): s is SectorProfile => s !== undefined)
    .map((s) => scoreSector(s, reading))
    .sort((a, b) => b.score - a.score || (a.sector.id === filed.id ? -1 : b.sector.id === filed.id ? 1 : 0));
  const own = ranking.find((r) => r.sector.id === filed.id) ?? scoreSector(filed, reading);
  const best = ranking[0] ?? own;
  const mismatch =
    best.sector.id !== own.sector.id &&
    best.score >= 3 &&
    best.score >= own.score + 2 &&
    best.score >= own.score * 2;
  return { filed: own, best: mismatch ? best : own, mismatch, ranking };
}

/** "Healthcare: appointment booking". */
export function sectorLabel(score: SectorScore): string {
  const short = score.sector.name.split(/\s+&\s+|\s+and\s+/)[0] ?? score.sector.name;
  return score.focus ? `${short}: ${score.focus}` : short;
}
