/** Screen selection and titles: the screens reach the idea's own objects and people. */
import { describe, expect, it } from "vitest";
import { requireSector } from "../kb.ts";
import type { Brief } from "../schemas.ts";
import { draftBrief } from "./brief.ts";
import { screenFeatures } from "./wireframes.ts";

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
