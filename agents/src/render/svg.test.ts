import fxp from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { anIntake, HOSTILE_IDEA } from "../testing/builders.ts";
import { draftsFor } from "./render.fixtures.ts";
import { wireframeSvg } from "./svg.ts";

describe("wireframeSvg", () => {
  it("when rendered, then every screen is a well-formed SVG document", () => {
    const { wireframes } = draftsFor(anIntake());
    for (const screen of wireframes.screens) {
      const svg = wireframeSvg(screen, wireframes.productName, true);
      expect(fxp.validate(svg), screen.id).toBe(true);
      expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    }
  });

  it("when rendered, then each region is a labelled <g id=region-…> group", () => {
    const { wireframes } = draftsFor(anIntake());
    for (const screen of wireframes.screens) {
      const svg = wireframeSvg(screen, wireframes.productName, true);
      for (const region of screen.regions) {
        const group = new RegExp(`<g id="region-${region.id}"[^>]*>([\\s\\S]*?)</g>`).exec(svg);
        expect(group, `${screen.id}/${region.id}`).not.toBeNull();
        expect(group?.[1]).toMatch(/<text [^>]*>[^<]+<\/text>/);
      }
    }
  });

  it("when the draft is offline, then the SVG says so in visible text", () => {
    const { wireframes } = draftsFor(anIntake());
    const [screen] = wireframes.screens;
    if (!screen) throw new Error("no screen");
    expect(wireframeSvg(screen, wireframes.productName, true)).toMatch(/<text[^>]*>Offline draft/);
    expect(wireframeSvg(screen, wireframes.productName, false)).not.toMatch(/Offline draft/);
  });

  it("when the intake is hostile, then the SVG stays well-formed and carries no live markup", () => {
    const { wireframes } = draftsFor(anIntake({ idea: HOSTILE_IDEA, sector: "fintech", company: "<b>Evil & Co</b>" }));
    for (const screen of wireframes.screens) {
      const svg = wireframeSvg(screen, `${wireframes.productName} <script>x</script>`, true);
      expect(fxp.validate(svg), screen.id).toBe(true);
      expect(svg).not.toMatch(/<script|<img|onerror=/i);
    }
  });
});
