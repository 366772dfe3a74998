/**
 * The sector knowledge base shipped in agents/kb/. It is data, not code, so it is validated once at
 * load: a malformed edit fails loudly at startup instead of producing a thin PRD weeks later.
 */
import { z } from "zod";
// Imported, not read from disk, so bundlers (the orchestrator image) carry the knowledge base along.
import sectorsFile from "../kb/sectors.json" with { type: "json" };
import type { Sector } from "./contracts.ts";

/** Screen archetypes a feature maps onto; the wireframer and the prototyper share them. */
export const SCREEN_KINDS = ["form", "list", "dashboard"] as const;
export type ScreenKind = (typeof SCREEN_KINDS)[number];

const text = z.string().trim().min(2);

const personaSchema = z.object({
  id: text,
  name: text,
  role: text,
  needs: z.array(text).min(2),
  keywords: z.array(text).min(2),
});

const comparableSchema = z.object({
  name: text,
  positioning: text,
  pricePoint: text,
  strengths: z.array(text).min(1),
  weaknesses: z.array(text).min(1),
  tags: z.array(text).min(3),
  /** What the product does, in a sentence or two: what comparables are matched against. */
  description: text.optional(),
});

const featureTemplateSchema = z.object({
  name: text,
  description: text,
  keywords: z.array(text).min(2),
  screen: z.enum(SCREEN_KINDS),
});

export const sectorProfileSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9-]*$/, "sector ids are lowercase kebab-case"),
  name: text,
  description: text,
  vocabulary: z.array(text).min(10),
  patterns: z.array(text).min(3),
  personas: z.array(personaSchema).min(2).max(3),
  pricingModels: z.array(z.object({ name: text, description: text, typicalPrice: text })).min(2),
  comparables: z.array(comparableSchema).min(4),
  features: z.array(featureTemplateSchema).min(4),
  metrics: z.array(text).min(3),
  risks: z.array(text).min(2),
});

export type SectorProfile = z.infer<typeof sectorProfileSchema>;
export type Persona = SectorProfile["personas"][number];
export type Comparable = SectorProfile["comparables"][number];
export type FeatureTemplate = SectorProfile["features"][number];

function loadSectors(): SectorProfile[] {
  const parsed = z.object({ sectors: z.array(sectorProfileSchema).min(1) }).safeParse(sectorsFile);
  if (!parsed.success) {
    throw new Error(`agents/kb/sectors.json is invalid: ${z.prettifyError(parsed.error)}`);
  }
  const ids = new Set<string>();
  for (const sector of parsed.data.sectors) {
    if (ids.has(sector.id)) throw new Error(`agents/kb/sectors.json: duplicate sector id "${sector.id}"`);
    ids.add(sector.id);
  }
  return parsed.data.sectors;
}

const SECTORS: readonly SectorProfile[] = loadSectors();
const BY_ID = new Map(SECTORS.map((s) => [s.id, s]));

/** The sectors an intake may name, in knowledge-base order. */
export function listSectors(): Sector[] {
  return SECTORS.map(({ id, name, description }) => ({ id, name, description }));
}

/** The full profile of one sector, or undefined when the id is unknown. */
export function getSector(id: string): SectorProfile | undefined {
  return BY_ID.get(id);
}

/** Like getSector, for code paths where an unknown id is a caller bug. */
export function requireSector(id: string): SectorProfile {
  const sector = BY_ID.get(id);
  if (!sector) {
    throw new Error(`Unknown sector "${id}". Use one of: ${SECTORS.map((s) => s.id).join(", ")}.`);
  }
  return sector;
}
