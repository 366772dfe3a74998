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
      "Rename the episode",
      "Delete the episode",
      "Browse short clips",
    ]);
    const names = screenFeatures(brief).map((f) => f.name);
    expect(names).toHaveLength(6);
    expect(names[0]).toBe("Upload an episode");
    expect(names).toContain("Browse short clips");
    expect(names).not.toContain("Delete the episode");
    // Kept in the brief's order.
    expect(names.indexOf("Browse short clips")).toBe(names.length - 1);
  });

  it("when there are six features or fewer, then every one gets a screen", () => {
    const names = [
      "Upload an episode",
      "Get a transcript",
      "Write show notes",
      "Cut short clips",
      "Size clips for social media",
      "Share the episode",
    ];
    expect(screenFeatures(briefWith(names)).map((f) => f.name)).toEqual(names);
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

describe("draftWireframes titles on the client's own sentence", () => {
  const workshop = {
    email: "e@example.com",
    sector: "ecommerce",
    idea: "We sell about 40 donated bikes a month from our workshop. At the counter front-desk staff check in riders, and month one member hands out the keys. Mechanics get paid commission per repair, which the office exports to Sage.",
  };

  function titlesFor(features: { name: string; description: string }[]) {
    const drafted = draftBrief(workshop, requireSector(workshop.sector));
    const brief: Brief = {
      ...drafted,
      keyFeatures: features.map((f, i) => ({
        ...drafted.keyFeatures[0]!,
        id: `f${i}`,
        action: undefined,
        ...f,
      })),
    };
    const sector = requireSector(brief.sector.id);
    const market = draftMarket(brief, sector);
    return screenTitles(draftWireframes(brief, market, draftPrd(brief, market, sector), sector));
  }

  it("when a feature quotes the client with a count, then its title says the action without the count", () => {
    const [, title] = titlesFor([
      { name: "Sell about 40 donated bikes", description: "The workshop can sell about 40 donated bikes." },
    ]);
    expect(title).toMatch(/Sell donated bikes/);
    expect(withoutQuotedRuns(title!, clientText(workshop))).toBe(title);
  });

  it("when the person and the action together quote the client, then the title goes without the person", () => {
    const [, title] = titlesFor([
      { name: "Check in riders", description: "Front-desk staff can check in riders." },
    ]);
    expect(title).toMatch(/^Check in riders/);
    expect(withoutQuotedRuns(title!, clientText(workshop))).toBe(title);
  });

  it("when the person is named with words that only place them in the sentence, then the title keeps the person", () => {
    const [, title] = titlesFor([
      { name: "Hand out keys", description: "Month one member can hand out keys." },
    ]);
    expect(title).toMatch(/^Member: Hand out keys/);
    const [, morning] = titlesFor([
      { name: "Open the shop", description: "Morning staff can open the shop." },
    ]);
    expect(morning).toMatch(/^Staff: Open the shop/);
  });

  it("when a title is glossed, then the gloss never repeats a word the title already says", () => {
    for (const title of titlesFor([
      { name: "Sell about 40 donated bikes", description: "The workshop can sell about 40 donated bikes." },
      { name: "Check in riders", description: "Front-desk staff can check in riders." },
      { name: "Get paid commission", description: "Mechanics can get paid commission." },
    ])) {
      const gloss = /\((.*)\)$/.exec(title)?.[1];
      if (!gloss) continue;
      const core = title.slice(0, title.lastIndexOf("(")).toLowerCase();
      for (const term of gloss.split(", ")) expect(core, title).not.toContain(term.toLowerCase());
    }
  });
});
