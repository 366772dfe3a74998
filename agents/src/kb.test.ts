import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { getSector, listSectors, requireSector } from "./kb.ts";
import { agentsDir } from "./paths.ts";
import { PATTERN_COMPONENTS } from "./render/prototype.ts";
import { UI_PATTERNS } from "./schemas.ts";

describe("sector knowledge base", () => {
  it("when listed, then there are at least 12 sectors with unique ids", () => {
    const sectors = listSectors();
    expect(sectors.length).toBeGreaterThanOrEqual(12);
    expect(new Set(sectors.map((s) => s.id)).size).toBe(sectors.length);
    for (const id of [
      "saas",
      "ecommerce",
      "healthcare",
      "fintech",
      "education",
      "real-estate",
      "hospitality",
      "logistics",
      "legal",
      "fitness",
      "media",
      "nonprofit",
    ]) {
      expect(getSector(id), id).toBeDefined();
    }
  });

  it("when a sector is loaded, then it is complete: patterns, 2-3 personas, pricing and 4+ comparables", () => {
    for (const { id } of listSectors()) {
      const s = requireSector(id);
      expect(s.description.length, id).toBeGreaterThan(20);
      expect(s.patterns.length, id).toBeGreaterThanOrEqual(3);
      expect(s.personas.length, id).toBeGreaterThanOrEqual(2);
      expect(s.personas.length, id).toBeLessThanOrEqual(3);
      expect(s.pricingModels.length, id).toBeGreaterThanOrEqual(2);
      expect(s.comparables.length, id).toBeGreaterThanOrEqual(4);
      for (const c of s.comparables) {
        expect(c.pricePoint, `${id}/${c.name}`).not.toBe("");
        expect(c.strengths.length + c.weaknesses.length, `${id}/${c.name}`).toBeGreaterThanOrEqual(2);
      }
    }
  });

  it("when listSectors is called, then it exposes only id, name and description", () => {
    expect(Object.keys(listSectors()[0] ?? {}).sort()).toEqual(["description", "id", "name"]);
  });

  it("when the id is unknown, then getSector is undefined and requireSector names the valid ids", () => {
    expect(getSector("space-mining")).toBeUndefined();
    expect(() => requireSector("space-mining")).toThrow(/Unknown sector "space-mining".*saas/);
  });

  it("when a UI pattern exists in the schema, then the library ships its Svelte component", () => {
    for (const pattern of UI_PATTERNS) {
      expect(
        existsSync(path.join(agentsDir(), "kb", "ui-patterns", `${PATTERN_COMPONENTS[pattern]}.svelte`)),
        pattern,
      ).toBe(true);
    }
  });
});
