/** Screen selection and titles: the screens reach the idea's own objects and people. */
import { describe, expect, it } from "vitest";
import { requireSector } from "../kb.ts";
import { clientText, screenTitles, wireframeGates } from "../quality/relevance.ts";
import type { Brief } from "../schemas.ts";
import { withoutQuotedRuns } from "../text/index.ts";
import { draftBrief } from "./brief.ts";
import { draftMarket } from "./market.ts";
import { draftPrd } from "./prd.ts";
import { draftWireframes, screenFeatures } from "./wireframes.ts";

const intake = {
  email: "e@example.com",
  sector: "media",
  idea: "Podcasters upload an episode and get a transcript, show notes and three short clips sized for social media.",
};

function briefWith(names: string[]): Brief {
  const brief = draftBrief(intake, requireSector(intake.sector));
  return {
    ...brief,
    keyFeatures: names.map((name, i) => ({
      ...brief.keyFeatures[0]!,
      id: `f${i}`,
      name,
      description: `Podcasters can ${name.toLowerCase()}.`,
    })),
  };
}

describe("screenFeatures", () => {
  it("when a fifth feature reaches an object no earlier title does, then it gets a screen over one that repeats", () => {
    const brief = briefWith([
      "Upload an episode",
      "Get a transcript",
      "Edit the episode",
      "Share the episode",
      "Browse short clips",
    ]);
    const names = screenFeatures(brief).map((f) => f.name);
    expect(names).toHaveLength(4);
    expect(names[0]).toBe("Upload an episode");
    expect(names).toContain("Browse short clips");
    // Kept in the brief's order.
    expect(names.indexOf("Browse short clips")).toBe(names.length - 1);
  });

  it("when there are four features or fewer, then every one gets a screen", () => {
    const brief = briefWith(["Upload an episode", "Get a transcript"]);
    expect(screenFeatures(brief).map((f) => f.name)).toEqual(["Upload an episode", "Get a transcript"]);
  });
});

describe("draftWireframes titles", () => {
  const beach = {
    email: "e@example.com",
    sector: "saas",
    idea: "Our marine charity posts beach clean-up events, volunteers sign up and bring a friend, team leaders log the bags and weight of litter collected by type, and we send the totals to the council each quarter.",
  };
  // Features that copy the client's sentence word for word: quoted back, they say nothing of their own.
  const quoting = [
    "Post beach clean-up events",
    "Sign up and bring a friend",
    "Log the bags and weight of litter collected by type",
    "Send the totals to the council each quarter",
  ];

  function wireframesFor(names: string[]) {
    const drafted = draftBrief(beach, requireSector(beach.sector));
    const brief: Brief = {
      ...drafted,
      keyFeatures: names.map((name, i) => ({
        ...drafted.keyFeatures[0]!,
        id: `f${i}`,
        name,
        action: undefined,
        description: `Team leaders can ${name.toLowerCase()}.`,
      })),
    };
    const sector = requireSector(brief.sector.id);
    const market = draftMarket(brief, sector);
    return draftWireframes(brief, market, draftPrd(brief, market, sector), sector);
  }

  it("when the features quote the client's sentence, then the titles still name the idea's people and things in words of their own", () => {
    const wireframes = wireframesFor(quoting);
    const own = screenTitles(wireframes)
      .map((t) => withoutQuotedRuns(t, clientText(beach)))
      .join("\n")
      .toLowerCase();
    for (const word of ["litter", "council", "volunteer", "clean-up", "bags"]) expect(own).toContain(word);
    expect(wireframeGates(beach, wireframes).every((g) => g.passed)).toBe(true);
  });

  it("when the screens are titled, then no two titles are the same and each stays short", () => {
    const titles = screenTitles(wireframesFor(quoting));
    expect(new Set(titles).size).toBe(titles.length);
    for (const t of titles) expect(t.length, t).toBeLessThanOrEqual(80);
  });
});
