import { describe, expect, it } from "vitest";
import { pick, stableHash } from "./hash.ts";
import { detectLanguage } from "./language.ts";
import { isStopword } from "./stopwords.ts";
import { article } from "./format.ts";

describe("stableHash", () => {
  it("when the same text is hashed twice, then the value is the same unsigned 32-bit number", () => {
    expect(stableHash("waitlist")).toBe(stableHash("waitlist"));
    expect(stableHash("waitlist")).toBeGreaterThanOrEqual(0);
    expect(stableHash("waitlist")).toBeLessThan(2 ** 32);
  });

  it("when texts differ, then their hashes differ", () => {
    expect(stableHash("slot")).not.toBe(stableHash("slots"));
    // FNV-1a of "a" is a published test vector.
    expect(stableHash("a")).toBe(0xe40c292c);
  });

  it("when pick gets an empty list, then it throws instead of returning undefined", () => {
    expect(() => pick([], 3)).toThrow(/non-empty/);
    expect(pick(["x", "y"], 3)).toBe("y");
  });
});

describe("detectLanguage", () => {
  it("when the intake is German, then German is detected with confidence", () => {
    expect(
      detectLanguage("Eine App für Reitställe, in der Pferdebesitzer Boxen buchen und Rechnungen bekommen."),
    ).toMatchObject({ code: "de", name: "German", confident: true });
  });

  it("when the intake is English or too short to tell, then it is English", () => {
    expect(detectLanguage("A scheduling assistant for small clinics that fills cancelled slots").code).toBe(
      "en",
    );
    expect(detectLanguage("Reitstall App").code).toBe("en");
  });
});

describe("isStopword and article", () => {
  it("when a word is a function word, then it is a stopword; a content word is not", () => {
    expect(isStopword("the")).toBe(true);
    expect(isStopword("42")).toBe(true);
    expect(isStopword("waitlist")).toBe(false);
  });

  it("when a word starts with a vowel sound, then it takes an", () => {
    expect(article("offer")).toBe("an");
    expect(article("hour")).toBe("an");
    expect(article("user")).toBe("a");
    expect(article("waitlist")).toBe("a");
    expect(article("SMS")).toBe("an");
  });

  it("when a short word has no vowel, then it is read letter by letter however it is written", () => {
    expect(article("sms")).toBe("an");
    expect(article("Sms referral")).toBe("an");
    expect(article("crm")).toBe("a");
    expect(article("shop")).toBe("a");
    expect(article("rhythm")).toBe("a");
  });
});
