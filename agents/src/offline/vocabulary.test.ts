/** The idea's vocabulary: every thing a long intake names is ranked, framing words are not terms. */
import { describe, expect, it } from "vitest";
import { ideaVocabulary, statesOf } from "./vocabulary.ts";
import { analyse } from "../text/index.ts";

const LONG =
  "We run a community bike workshop in an old railway arch. Every week volunteers fix donated bikes, " +
  "log the spare parts they fitted in a paper book, and sell the bikes at a Saturday market from March to November. " +
  "At the end of each month the treasurer types the sales into the grant spreadsheet, which is a nightmare. " +
  "Each bike gets a safety check before it is sold, and buyers get a three-month guarantee. " +
  "Kids book a place on the repair class, and parents pay the class fee online. " +
  "The tool shed keeps a sign-out sheet for the tools, and broken tools go on a wall of shame for the mechanic.";

const vocabularyOf = (idea: string) =>
  ideaVocabulary({ idea, goals: [], constraints: { budget: null, timeline: null, notes: [] } });

describe("ideaVocabulary", () => {
  it("when a long idea names a thing late, then it is still ranked above the bottom weight", () => {
    const terms = vocabularyOf(LONG).terms;
    for (const phrase of ["guarantee", "sign-out sheet", "mechanic"]) {
      const term = terms.find((t) => t.phrase.endsWith(phrase));
      expect(term, phrase).toBeDefined();
      expect(term!.weight, phrase).toBeGreaterThan(1);
    }
  });

  it("when the idea dates or frames a sentence, then those words are not terms", () => {
    const phrases = vocabularyOf(LONG).terms.map((t) => t.phrase.toLowerCase());
    for (const framing of ["march", "november", "end", "nightmare"]) expect(phrases).not.toContain(framing);
  });

  it("when two nouns are joined by 'of', then the vocabulary holds them as one term", () => {
    const phrases = vocabularyOf(LONG).terms.map((t) => t.phrase);
    expect(phrases).toContain("wall of shame");
  });
});

describe("ideaVocabulary in Spanish", () => {
  it("when the idea is in a language the tagger does not read, then unmistakable verb forms are not terms", () => {
    const phrases = vocabularyOf(
      "Tenemos un taller de bicicletas. Los ciclistas reservan la revisión eligiendo el mecánico, y necesitamos avisarles por SMS cuando la bicicleta está lista para recogerla.",
    ).terms.map((t) => t.phrase.toLowerCase());
    expect(phrases).toContain("mecánico");
    for (const verb of ["eligiendo", "necesitamos", "recogerla"]) expect(phrases).not.toContain(verb);
  });
});

describe("ideaVocabulary in German and French", () => {
  it("when a noun is written in singular and plural, then it is one term, and every noun kept is central", () => {
    const terms = vocabularyOf(
      "Unsere Werkstatt hat drei Filialen. Jede Filiale nimmt Fahrräder an, der Mechaniker macht Fotos vom Schaden und schickt dem Kunden einen Kostenvoranschlag.",
    ).terms;
    expect(terms.filter((t) => /^filiale/i.test(t.phrase))).toHaveLength(1);
    for (const t of terms) expect(t.weight, t.phrase).toBeGreaterThan(1);
  });

  it("when French elides the article into a noun, then the term is the noun alone", () => {
    const phrases = vocabularyOf(
      "Les élèves réservent une leçon en ligne et le moniteur note l'examen blanc dans le carnet numérique de l'élève.",
    ).terms.map((t) => t.phrase.toLowerCase());
    expect(phrases).toContain("examen");
    expect(phrases.some((p) => /^l['’]/.test(p))).toBe(false);
  });
});

describe("statesOf", () => {
  const states = (text: string) => statesOf(analyse(text));

  it("when the idea says what state things get into, then each state is a term, with what it is about", () => {
    expect(states("About 200 library books go missing every term.")).toEqual(["missing library books"]);
    expect(states("The treasurer sees who is overdue.")).toEqual(["overdue"]);
    expect(states("Each kit gets cleaned, checked and packed before the trip.")).toEqual([
      "cleaned kit",
      "checked",
      "packed",
    ]);
    expect(states("Buyers see what has been repainted.")).toEqual(["repainted"]);
  });

  it("when a long idea names a state, then the state is a central term", () => {
    const term = vocabularyOf(`${LONG} The organiser sees who is overdue.`).terms.find((t) =>
      t.phrase.startsWith("overdue"),
    );
    expect(term?.weight).toBeGreaterThan(1);
  });

  it("when a sentence is a plain passive or a judgement, then it names no state", () => {
    expect(states("Contracts are signed on paper.")).toEqual([]);
    expect(states("The kiosks are cheap tablets and mistakes are common.")).toEqual([]);
    expect(states("The lawyer sees which files are ready to send.")).toEqual([]);
  });
});
