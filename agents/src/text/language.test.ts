import { describe, expect, it } from "vitest";
import {
  detectLanguage,
  englishCognate,
  foreignNounPhrases,
  isForeignAdjective,
  isForeignVerbForm,
} from "./language.ts";

describe("foreignNounPhrases", () => {
  it("reads French noun phrases after their determiners, with who acts and what is acted on", () => {
    const text =
      "Pour les boulangeries : les clients commandent leurs gâteaux d'anniversaire en ligne, et le boulanger prépare les commandes mensuelles.";
    const phrases = foreignNounPhrases(text, "fr");
    expect(phrases.map((p) => `${p.role}:${p.text}`)).toEqual([
      "object:boulangeries",
      "subject:clients",
      "object:gâteaux d'anniversaire",
      "subject:boulanger",
      "object:commandes mensuelles",
    ]);
    // The verb before the object is the client's own, never part of a phrase.
    expect(phrases.find((p) => p.head === "gâteaux")?.verb).toBe("commandent");
    expect(phrases.some((p) => /commandent|prépare/.test(p.text))).toBe(false);
  });

  it("skips Dutch inflected adjectives before the noun and Italian fused prepositions", () => {
    expect(
      foreignNounPhrases("De leden huren een grote kano voor de zomerse tochten.", "nl").map((p) => p.text),
    ).toEqual(["leden", "kano", "tochten"]);
    const it = foreignNounPhrases("Il cuoco annota gli ordini nel quaderno.", "it");
    expect(it.find((p) => p.head === "ordini")).toMatchObject({ role: "object", verb: "annota" });
    expect(it.find((p) => p.head === "quaderno")).toMatchObject({ preposition: "nel" });
    expect(it.find((p) => p.head === "quaderno")?.verb).toBeUndefined();
  });

  it("reads nothing in a language it has no determiners for", () => {
    expect(foreignNounPhrases("the clients order cakes", "en")).toEqual([]);
  });
});

describe("isForeignVerbForm / isForeignAdjective", () => {
  it("tells verb forms by their endings, the shared ones only outside a noun phrase", () => {
    expect(isForeignVerbForm("réservons", "fr")).toBe(true);
    expect(isForeignVerbForm("eligiendo", "es")).toBe(true);
    expect(isForeignVerbForm("inscrivent", "fr", true)).toBe(true);
    expect(isForeignVerbForm("inscrivent", "fr")).toBe(false);
    expect(isForeignVerbForm("Rechnung", "de", true)).toBe(false);
    expect(isForeignVerbForm("hochladen", "de", true)).toBe(true);
    expect(isForeignVerbForm("boulangerie", "fr", true)).toBe(false);
  });

  it("tells adjectives and participles by their endings", () => {
    expect(isForeignAdjective("numérique", "fr")).toBe(true);
    expect(isForeignAdjective("enregistrées", "fr")).toBe(true);
    expect(isForeignAdjective("gemeenschappelijke", "nl")).toBe(true);
    expect(isForeignAdjective("boulangerie", "fr")).toBe(false);
    expect(isForeignAdjective("wachtlijst", "nl")).toBe(false);
  });
});

describe("englishCognate", () => {
  it("finds the English verb a Romance or Dutch verb form shares its stem with", () => {
    expect(englishCognate("réservent")).toBe("reserve");
    expect(englishCognate("registri")).toBe("register");
    expect(englishCognate("prépare")).toBe("prepare");
    expect(englishCognate("reserveren")).toBe("reserve");
  });

  it("leaves words with no English cognate alone", () => {
    expect(englishCognate("prenotino")).toBeUndefined();
    expect(englishCognate("notent")).toBeUndefined();
    expect(englishCognate("houdt")).toBeUndefined();
  });
});

describe("detectLanguage", () => {
  it("still reads a French intake as French", () => {
    expect(
      detectLanguage(
        "Pour les boulangeries : les clients commandent leurs gâteaux en ligne et le boulanger prépare les commandes.",
      ).code,
    ).toBe("fr");
  });
});
