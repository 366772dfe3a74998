/**
 * The idea's vocabulary as the screens and emails use it: the people, things, named systems and
 * constraints the client wrote about, clause by clause, weighted by how central each is to the
 * idea. Screens and emails name these in their own sentences instead of copying feature names, so
 * what they say stays about the idea however the features are worded.
 */
import type { Brief } from "../schemas.ts";
import {
  type NounPhrase,
  type Token,
  actions,
  analyse,
  detectLanguage,
  isContent,
  keyConcepts,
  lemmas,
  nounPhrases,
  stemWord,
  stripMarkup,
  withoutQuotedRuns,
  isForeignVerbForm,
} from "../text/index.ts";
import { namedConstraints } from "../quality/relevance.ts";
import { isPeopleNoun, productOf } from "./idea.ts";

export type TermKind = "actor" | "thing" | "system" | "offline";

export interface IdeaTerm {
  /** As a screen or an email says it: "cancelled slots", "Xero", "offline". */
  phrase: string;
  /** Stems of its content words, to tell whether a text already names it. */
  stems: string[];
  kind: TermKind;
  /** Higher is more central to the idea. */
  weight: number;
  /** The clause of the idea it was read from; -1 for what the whole intake names. */
  clause: number;
}

export interface IdeaClause {
  text: string;
  /** Lemmas of the clause's verbs and content words, to match a feature to where it came from. */
  lemmas: Set<string>;
}

export interface Vocabulary {
  terms: IdeaTerm[];
  clauses: IdeaClause[];
  english: boolean;
}

const MAX_PHRASE_WORDS = 3;
/**
 * How many of the idea's concepts are ranked. A long intake names thirty things or more; ranking
 * only the first few left the rest at the bottom weight, where a caravan, a warranty or a named
 * payroll system counted no more than "nightmare".
 */
const RANKED_CONCEPTS = 48;
/**
 * Words that date or frame a sentence ("from April to October", "at the end", "in person", "that
 * sort of thing") rather than name something the product handles: never worth a screen's gloss.
 */
const FRAMING =
  /^(?:january|february|march|april|may|june|july|august|september|october|november|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|half|end|start|beginning|moment|sort|kind|type|bit|part|one|ones|nightmare|pain|mess|hassle|scratch|pace|way|thing|stuff|lot|fact|reason)s?$/i;
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function stemsOfPhrase(phrase: string): string[] {
  return [...new Set(lemmas(phrase).map((l) => stemWord(l)))];
}

/** A noun phrase as a short term: at most three words, ending in its head noun. */
function termPhrase(p: NounPhrase): string | undefined {
  const tokens = p.tokens.slice(-MAX_PHRASE_WORDS);
  while (tokens.length > 1 && !isContent(tokens[0]!)) tokens.shift();
  const text = tokens
    .map((t, i) => (i === 0 ? t.value : `${t.pre.length ? " " : ""}${t.value}`))
    .join("")
    .trim();
  if (!text || !/\p{L}{2,}/u.test(text)) return undefined;
  return tokens.some((t) => t.pos === "PROPN" && /\p{Lu}/u.test(t.value)) ? text : text.toLowerCase();
}

const LINKING = /^(?:be|get|go|become|stay|remain|seem|look|turn)$/;
const PARTICIPLE = /(?:ed|en|ing)$/;
// How the client judges a thing ("mistakes are common", "tablets are cheap"), not a status of it.
const JUDGEMENT =
  /^(?:common|rare|light|heavy|cheap|expensive|hard|difficult|slow|fast|quick|important|possible|impossible|nice|fine|great|bad|busy|happy|sure|ready|straight|old|big|small|simple|complicated|messy)$/;

/**
 * The states the idea says things are in: "crates go missing" → "missing crates", "who is late" →
 * "late", "what's been replaced" → "replaced", "washed, folded and brought back" after "get". A
 * product manager reads these as statuses a screen shows. A plain passive ("contracts are signed")
 * is an action, not a state, and is left to the features.
 */
export function statesOf(tokens: Token[]): string[] {
  const out: string[] = [];
  const isState = (t: Token | undefined, linking: Token, been: boolean) => {
    if (!t || !isContent(t) || JUDGEMENT.test(t.lower)) return false;
    const next = tokens[tokens.indexOf(t) + 1];
    // "cheap Android tablets", "ready to file", "hardy enough": it describes, it is not a status.
    if (next && (["NOUN", "PROPN"].includes(next.pos) || /^(?:to|enough)$/.test(next.lower))) return false;
    return (
      t.pos === "ADJ" || (t.pos === "VERB" && PARTICIPLE.test(t.lower) && (linking.lemma !== "be" || been))
    );
  };
  tokens.forEach((link, i) => {
    if (!LINKING.test(link.lemma) || !["AUX", "VERB"].includes(link.pos)) return;
    let j = i + 1;
    let been = link.lower === "been";
    while (
      tokens[j] &&
      (tokens[j]!.pos === "ADV" || tokens[j]!.pos === "PART" || tokens[j]!.lemma === "be")
    ) {
      if (tokens[j]!.lemma === "be") been = true;
      j++;
    }
    if (!isState(tokens[j], link, been)) return;
    // "go missing" after "crates": the state and what it is about, said together.
    let subject = i - 1;
    while (subject >= 0 && (tokens[subject]!.pos === "AUX" || tokens[subject]!.pos === "PART")) subject--;
    const about = tokens[subject];
    // The whole compound it is about: "the consent form gets signed" → "signed consent form".
    let from = subject;
    while (from > 0 && subject - from < 1 && tokens[from - 1]!.pos === "NOUN") from--;
    const thing =
      about?.pos === "NOUN" && about.sentence === link.sentence
        ? tokens
            .slice(from, subject + 1)
            .map((t) => t.lower)
            .join(" ")
        : undefined;
    for (let first = true; isState(tokens[j], link, true); first = false) {
      const t = tokens[j]!;
      // A phrasal verb ("mixed up") means something else than its participle alone.
      if (tokens[j + 1]?.pos !== "ADP" || !/^(?:up|out|off|down)$/.test(tokens[j + 1]!.lower)) {
        out.push(first && thing ? `${t.lower} ${thing}` : t.lower);
      }
      const next = tokens[j + 1]?.lower === "up" ? j + 2 : j + 1;
      if (!/^(?:,|and|or)$/.test(tokens[next]?.lower ?? "")) break;
      j = next + 1;
    }
  });
  return out;
}

/** Clauses of the idea: sentences cut at semicolons, colons and commas. */
function clausesOf(idea: string): string[] {
  return stripMarkup(idea)
    .split(/(?<=[.!?;:])\s+|,\s+|\n+/)
    .map((c) => c.replace(/[.!?;:,]+$/, "").trim())
    .filter((c) => /\p{L}{2,}/u.test(c));
}

/** The vocabulary of the brief's idea, most central terms first. */
export function ideaVocabulary(brief: Pick<Brief, "idea" | "goals" | "constraints">): Vocabulary {
  const idea = stripMarkup(brief.idea);
  const english = detectLanguage(idea).code === "en";
  const ranked = keyConcepts(idea, RANKED_CONCEPTS);
  const rank = new Map<string, number>();
  ranked.forEach((c, i) => rank.set(stemWord(c.lemma), ranked.length - i));
  const terms: IdeaTerm[] = [];
  const add = (term: IdeaTerm) => {
    if (!term.stems.length) return;
    const same = terms.find((t) => t.stems.join(" ") === term.stems.join(" "));
    if (same) {
      same.weight = Math.max(same.weight, term.weight);
      return;
    }
    terms.push(term);
  };
  const clauses: IdeaClause[] = [];
  const product = english ? productOf(idea)?.text.toLowerCase() : undefined;
  if (english) {
    clausesOf(idea).forEach((text, clause) => {
      const own = new Set(lemmas(text));
      for (const a of actions(text, 6)) own.add(a.verb);
      clauses.push({ text, lemmas: own });
      const phrases = nounPhrases(text);
      // "wall of fame", "list of campsites": one thing in two nouns, said whole.
      phrases.forEach((p, i) => {
        const next = phrases[i + 1];
        if (!next || p.tokens.length !== 1 || next.tokens.length !== 1) return;
        const joined = `${p.tokens[0]!.value} of ${next.tokens[0]!.value}`;
        const written = text.match(new RegExp(`(?<![\\p{L}])${escapeRe(joined)}(?![\\p{L}])`, "iu"))?.[0];
        if (!written) return;
        const stems = stemsOfPhrase(written);
        const weight = Math.max(1, ...stems.map((s) => rank.get(s) ?? 0));
        add({ phrase: written.toLowerCase(), stems, kind: "thing", weight, clause });
      });
      for (const p of phrases) {
        const phrase = termPhrase(p);
        if (!phrase) continue;
        if (phrase.split(/\s+/).every((w) => FRAMING.test(w))) continue;
        // The product itself ("scheduling assistant") glosses no screen of it; a feature acting on
        // it ("Configure the bot") names it in the title already.
        if (product && p.text.toLowerCase() === product) continue;
        const kind = isPeopleNoun(p.head) ? "actor" : "thing";
        const stems = stemsOfPhrase(phrase);
        const weight = Math.max(1, ...stems.map((s) => rank.get(s) ?? 0));
        add({ phrase, stems, kind, weight, clause });
      }
    });
  } else {
    // The tagger reads English only: the client's own content words are the terms, as written.
    // German capitalises its nouns, so there a lower-case word is a verb or an adjective.
    const code = detectLanguage(idea).code;
    const german = code === "de";
    clauses.push({ text: idea, lemmas: new Set(ranked.map((c) => c.lemma)) });
    ranked.forEach((c, i) => {
      const found = idea.match(new RegExp(`(?<![\\p{L}])${escapeRe(c.phrase)}(?![\\p{L}])`, "iu"))?.[0];
      // French and Italian elide the article into the word: "l'examen" is the thing "examen".
      const written = found?.replace(/^(?:l|d|qu|j|n|s|c|m|t|dell|all|nell|sull)['’](?=\p{L}{3})/iu, "");
      if (!written || (german && !/^\p{Lu}/u.test(written))) return;
      // Gerunds and first person plurals ("eligiendo", "réservons"): what the client does, not
      // what a screen shows (the text toolkit's endings for the language).
      if (written.length >= 6 && isForeignVerbForm(written, code)) return;
      // "Filiale" and "Filialen", "élève" and "élèves": one thing, said once.
      const base = (w: string) => w.toLowerCase().replace(/(?:en|es|e|n|s)$/u, "");
      if (terms.some((t) => base(t.phrase) === base(written))) return;
      add({
        phrase: written,
        stems: [stemWord(written === found ? c.lemma : written.toLowerCase())],
        kind: "thing",
        // Every word kept is one the client chose to write: none sits at the bottom weight.
        weight: ranked.length - i + 1,
        clause: 0,
      });
    });
  }
  if (english) {
    for (const phrase of statesOf(analyse(idea))) {
      if (phrase.split(/\s+/).every((w) => FRAMING.test(w))) continue;
      const stems = stemsOfPhrase(phrase);
      // The toolkit ranks adjectives and participles low; a status the client names is still central.
      const weight = Math.max(2, ...stems.map((s) => rank.get(s) ?? 0));
      const word = phrase.split(" ")[0]!;
      const clause = clauses.findIndex((c) => new RegExp(`\\b${escapeRe(word)}\\b`, "i").test(c.text));
      add({ phrase, stems, kind: "thing", weight, clause });
    }
  }
  const top = Math.max(1, ...terms.map((t) => t.weight));
  for (const name of brief.constraints.integrations ?? []) {
    if (name.split(/\s+/).length > MAX_PHRASE_WORDS) continue;
    const clause = clauses.findIndex((c) => c.text.toLowerCase().includes(name.toLowerCase()));
    add({ phrase: name, stems: stemsOfPhrase(name), kind: "system", weight: top, clause });
  }
  const offline = namedConstraints({ idea: brief.idea, goals: brief.goals.join("\n") }).some(
    (c) => c.kind === "offline",
  );
  if (offline) {
    const clause = clauses.findIndex((c) => /offline|signal|reception|connect/i.test(c.text));
    add({ phrase: "offline", stems: ["offlin"], kind: "offline", weight: top, clause });
  }
  terms.sort((a, b) => b.weight - a.weight);
  return { terms, clauses, english };
}

/** Whether `text` names the term: every content word of it, by stem. */
export function names(text: string, term: IdeaTerm): boolean {
  const have = new Set(lemmas(text).map((l) => stemWord(l)));
  for (const w of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) have.add(stemWord(w));
  return term.stems.every((s) => have.has(s));
}

/** Whether `text` says something of its own: no word lost to a run quoted from `source`. */
export function unquoted(text: string, source: string): boolean {
  return withoutQuotedRuns(text, source).replace(/\W+/g, "") === text.replace(/\W+/g, "");
}

/** The clause of the idea a text comes from: the one sharing most of its lemmas. */
export function clauseOf(vocabulary: Vocabulary, text: string): number {
  const own = lemmas(text);
  let best = -1;
  let score = 0;
  vocabulary.clauses.forEach((c, i) => {
    const s = own.filter((l) => c.lemmas.has(l)).length;
    if (s > score) [best, score] = [i, s];
  });
  return best;
}
