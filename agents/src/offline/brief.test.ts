import { describe, expect, it } from "vitest";
import { requireSector } from "../kb.ts";
import { briefSchema } from "../schemas.ts";
import { anIntake, DOG_WALKING, HOSTILE_IDEA, PHYSIO_CLINIC } from "../testing/builders.ts";
import { draftBrief } from "./brief.ts";

describe("draftBrief", () => {
  it("when the idea lists what users do, then those become 3-6 key features from the idea", () => {
    const brief = briefSchema.parse(draftBrief(anIntake(), requireSector("ecommerce")));
    expect(brief.keyFeatures.length).toBeGreaterThanOrEqual(3);
    expect(brief.keyFeatures.length).toBeLessThanOrEqual(6);
    const names = brief.keyFeatures.map((f) => f.name.toLowerCase());
    expect(names).toContain("book vetted walkers");
    expect(names.some((n) => n.startsWith("track walks"))).toBe(true);
    expect(brief.keyFeatures.filter((f) => f.source === "idea").length).toBeGreaterThanOrEqual(3);
  });

  it("when the idea names its audience, then the audience leads the target users", () => {
    const brief = draftBrief(anIntake(), requireSector("ecommerce"));
    expect(brief.targetUsers[0]).toMatchObject({ name: "Busy dog owners", source: "idea" });
  });

  it("when budget and timeline are given, then they are parsed into amounts and weeks", () => {
    const brief = draftBrief(
      anIntake({ budget: "€15,000-25,000", timeline: "12 weeks" }),
      requireSector("ecommerce"),
    );
    expect(brief.constraints.budget).toMatchObject({ currency: "EUR", min: 15_000, max: 25_000 });
    expect(brief.constraints.timeline).toMatchObject({ weeks: 12 });
  });

  it("when budget and timeline are missing, then the brief says what it assumed", () => {
    const { budget: _b, timeline: _t, ...rest } = anIntake();
    const brief = draftBrief(rest, requireSector("ecommerce"));
    expect(brief.constraints.budget).toBeNull();
    expect(brief.constraints.notes.join(" ")).toMatch(/No budget/);
    expect(brief.constraints.notes.join(" ")).toMatch(/12 weeks/);
  });

  it("when the idea is thin, then the sector knowledge base fills the features up to three", () => {
    const brief = briefSchema.parse(
      draftBrief(
        anIntake({ idea: "A calmer place for people who love yoga and good habits.", goals: undefined }),
        requireSector("fitness"),
      ),
    );
    expect(brief.keyFeatures.some((f) => f.source === "kb")).toBe(true);
  });

  it("when two ideas differ, then their features differ", () => {
    const dogs = draftBrief(anIntake({ idea: DOG_WALKING }), requireSector("ecommerce"));
    const physio = draftBrief(
      anIntake({ idea: PHYSIO_CLINIC, sector: "healthcare" }),
      requireSector("healthcare"),
    );
    const names = (b: typeof dogs) => b.keyFeatures.map((f) => f.name).join("|");
    expect(names(dogs)).not.toBe(names(physio));
    expect(dogs.productName).not.toBe(physio.productName);
  });

  it("when the idea carries markup and URLs, then no feature or keyword contains them", () => {
    const brief = briefSchema.parse(
      draftBrief(anIntake({ idea: HOSTILE_IDEA, sector: "fintech" }), requireSector("fintech")),
    );
    const derived = JSON.stringify([brief.keyFeatures, brief.keywords, brief.targetUsers, brief.productName]);
    expect(derived).not.toMatch(/<script|onerror|https?:|javascript:|evil/i);
    expect(brief.idea).toBe(HOSTILE_IDEA.trim());
  });
});
