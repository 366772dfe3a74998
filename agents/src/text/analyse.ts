/**
 * The one place that runs the English NLP model (wink-nlp with its English lite model): tokens with
 * part-of-speech tags, lemmas and Porter2 stems. Everything else in the text toolkit reads these.
 */
import { createRequire } from "node:module";
import type winkNLP from "wink-nlp";
import type { ItemToken } from "wink-nlp";
import type model from "wink-eng-lite-web-model";

type Nlp = ReturnType<typeof winkNLP>;
let wink: { nlp: Nlp; its: Nlp["its"]; addon: Record<"stem" | "lemma", Nlp["its"]["value"]> } | undefined;

/**
 * The model, loaded on first use (about 55 MiB resident): a process that never drafts (the API
 * serving run status, the worker's main thread) does not carry it.
 */
function loadWink() {
  if (!wink) {
    const require = createRequire(import.meta.url);
    const nlp = (require("wink-nlp") as typeof winkNLP)(require("wink-eng-lite-web-model") as typeof model);
    const its = nlp.its;
    // wink's typings declare the addon-backed helpers with a signature its own `out()` rejects.
    wink = { nlp, its, addon: its as unknown as Record<"stem" | "lemma", typeof its.value> };
  }
  return wink;
}

export type Pos =
  | "ADJ"
  | "ADP"
  | "ADV"
  | "AUX"
  | "CCONJ"
  | "DET"
  | "INTJ"
  | "NOUN"
  | "NUM"
  | "PART"
  | "PRON"
  | "PROPN"
  | "PUNCT"
  | "SCONJ"
  | "SYM"
  | "VERB"
  | "X"
  | "SPACE";

export interface Token {
  /** As written. */
  value: string;
  /** Lower-cased value. */
  lower: string;
  pos: Pos;
  /** Lower-case dictionary form ("slots" → "slot", "cancelled" → "cancel"). */
  lemma: string;
  /** Porter2 stem of the lemma, for matching inflections and derivations ("cancellation" → "cancel"). */
  stem: string;
  /** English function word (wink's list) or one of the toolkit's filler words. */
  stop: boolean;
  /** One of the toolkit's filler words ("app", "platform", "easy"): content to a grammar, not to an idea. */
  filler: boolean;
  /** Index of the sentence the token belongs to. */
  sentence: number;
  /** Whitespace before the token, so spans can be re-joined as written. */
  pre: string;
}

// Words that are content words to a grammar but say nothing about a product idea.
// prettier-ignore
const FILLER = new Set([
  "app","application","platform","product","tool","solution","service","system","website","web","online","thing",
  "idea","way","lot","kind","user","users","people","simple","easy","easily","better","new","good","great","able",
  "allow","enable","help","let","want","need","wish","like","make","build","create","use","get","etc","also",
  "really","just","very","quickly","per","via","based",
]);

// Unit-like nouns that never name a product concept.
const UNITS =
  /^(?:day|week|month|year|hour|minute|time|today|tomorrow|morning|evening|night|afternoon|weekend|quarter|season)s?$/;

const cache = new Map<string, Token[]>();

function stemOf(word: string): string {
  if (!/\p{L}/u.test(word)) return word;
  const { nlp, addon } = loadWink();
  const doc = nlp.readDoc(word);
  return doc.tokens().out(addon.stem)[0] ?? word;
}

/** Tokens of `text` with POS, lemma and stem. Results are cached per text (the model is deterministic). */
export function analyse(text: string): Token[] {
  const hit = cache.get(text);
  if (hit) return hit;
  const { nlp, its, addon } = loadWink();
  const doc = nlp.readDoc(text);
  const out: Token[] = [];
  doc.sentences().each((sentence, s) => {
    sentence.tokens().each((t: ItemToken) => {
      const value = t.out(its.value);
      const lower = value.toLowerCase();
      const pos = t.out(its.pos) as Pos;
      let lemma = (t.out(addon.lemma) || lower).toLowerCase();
      // A capitalised common noun ("Slots", "Beekeepers") is tagged PROPN and keeps its plural.
      if (pos === "PROPN" && lemma === lower && /[^s]s$/.test(lower) && value !== value.toUpperCase())
        lemma = nounLemma(lower);
      // wink spells US "cancelation"; keep the writer's "cancellation" family together.
      if (lemma === "cancelation") lemma = "cancellation";
      const stem = stemOf(lemma);
      const filler = FILLER.has(lower) || FILLER.has(lemma);
      const stop = Boolean(t.out(its.stopWordFlag)) || filler;
      out.push({
        value,
        lower,
        pos,
        lemma,
        stem,
        stop,
        filler,
        sentence: s,
        pre: t.out(its.precedingSpaces),
      });
    });
  });
  mergeHyphenated(out);
  repairTags(out);
  if (cache.size > 2000) cache.clear();
  cache.set(text, out);
  return out;
}

/** "no-shows", "in-app", "wait-list": wink splits at the hyphen; the writer meant one word. */
function mergeHyphenated(out: Token[]): void {
  for (let i = out.length - 2; i >= 1; i--) {
    const [prev, dash, next] = [out[i - 1]!, out[i]!, out[i + 1]!];
    if (dash.value !== "-" || dash.pre !== "" || next.pre !== "" || prev.sentence !== next.sentence) continue;
    if (!/\p{L}/u.test(prev.value) || !/\p{L}/u.test(next.value)) continue;
    const value = `${prev.value}-${next.value}`;
    const lemma = `${prev.lower}-${next.lemma}`;
    // "double-booked", "wood-fired": a participle after the hyphen modifies ("get double-booked",
    // "a wood-fired sauna"); any other verb or particle there makes a noun ("no-shows", "check-in").
    const participle = next.pos === "VERB" && /(?:ed|en)$/.test(next.lower) && next.lemma !== next.lower;
    const pos: Pos = participle ? "ADJ" : next.pos === "VERB" || next.pos === "ADP" ? "NOUN" : next.pos;
    out.splice(i - 1, 3, {
      ...next,
      value,
      lower: value.toLowerCase(),
      pos,
      lemma,
      stem: stemOf(lemma.replace(/-/g, "")),
      stop: false,
      filler: false,
      pre: prev.pre,
    });
    i--;
  }
}

const CLAUSE_START = /^(?:,|and|or|to|can|then|;|:)$/;
const POSSESSIVE = /^(?:your|their|his|her|its|our|my)$/;
/** An adjective's ending on a word the tagger called something else: "intraoral", "seasonal", "reusable". */
const adjectival = (t: Token) =>
  t.lemma === t.lower && t.lower.length >= 8 && /(?:ical|ous|ful|less|ible|[^e]al)$/.test(t.lower);
const isNoun = (t: Token) => t.pos === "NOUN" || t.pos === "PROPN";

function retag(t: Token, pos: Pos): void {
  t.pos = pos;
  if (pos === "VERB") t.lemma = verbLemma(t.lower);
  else if (t.lower.endsWith("s") && !t.lower.endsWith("ss")) t.lemma = nounLemma(t.lower);
  t.stem = stemOf(t.lemma);
}

/**
 * The lite tagger trips on product sentences where plural nouns and present-tense verbs look
 * alike: "owners book vetted walkers", ", track walks", "get alerts", "confirms offers", "the vet
 * drafts notes". These local rules fix the patterns that decide what an idea's actions are.
 */
function repairTags(out: Token[]): void {
  for (let i = 0; i < out.length; i++) {
    const [prev2, prev, cur, next] = [out[i - 2], out[i - 1], out[i], out[i + 1]];
    if (!cur) continue;
    const same = (t: Token | undefined) => t !== undefined && t.sentence === cur.sentence;
    const plural = (t: Token | undefined) => t !== undefined && /[^s]s$/.test(t.lower) && t.lemma !== t.lower;
    const base = (t: Token) => t.lemma === t.lower && !/s$/.test(t.lower);
    // A determiner or a possessive right after the word: "the", "a", "your", "their".
    const determines = (t: Token | undefined) =>
      same(t) && (t!.pos === "DET" || (t!.pos === "PRON" && POSSESSIVE.test(t!.lower)));
    // "intraoral scans", "reusable crates": a "verb" or "noun" with an adjective's ending before a
    // noun (or before a "verb" in -s, which is then that noun) modifies it.
    if (
      (cur.pos === "VERB" || cur.pos === "NOUN") &&
      adjectival(cur) &&
      same(next) &&
      (isNoun(next!) || (next!.pos === "VERB" && /[^s]s$/.test(next!.lower)))
    ) {
      cur.pos = "ADJ";
      if (next!.pos === "VERB") retag(next!, "NOUN");
      continue;
    }
    // "Book the sauna by the hour", "to photo their cards", "and price the quote": a base-form
    // "noun" that opens a sentence or follows "to" or a clause break, with a determiner right
    // after it, is an imperative or an infinitive. No noun takes a determiner straight after it.
    const opensSentence = !same(prev);
    if (
      (cur.pos === "NOUN" || (cur.pos === "PROPN" && opensSentence)) &&
      base(cur) &&
      (opensSentence || /^(?:to|and|or|then|,)$/.test(prev!.lower)) &&
      determines(next)
    ) {
      retag(cur, "VERB");
      continue;
    }
    // "so shows get double-booked", "Offers then get chased": a verb in -s right before a
    // base-form verb (past an adverb) is its subject.
    const verbAfter = next?.pos === "ADV" ? out[i + 2] : next;
    if (
      cur.pos === "VERB" &&
      /[^s]s$/.test(cur.lower) &&
      (!same(prev) || ["ADV", "CCONJ", "SCONJ", "PUNCT"].includes(prev!.pos)) &&
      same(verbAfter) &&
      verbAfter!.pos === "VERB" &&
      base(verbAfter!) &&
      !/(?:ed|en|ing)$/.test(verbAfter!.lower)
    ) {
      retag(cur, "NOUN");
      continue;
    }
    // ", and housekeeping sees which rooms": a clause opened by a word in -ing, then a plural
    // "noun" before a determiner, has the -ing word as its subject and the -s word as its verb.
    if (
      cur.pos === "NOUN" &&
      plural(cur) &&
      same(prev) &&
      prev!.pos === "VERB" &&
      /ing$/.test(prev!.lower) &&
      (!same(prev2) || ["CCONJ", "PUNCT"].includes(prev2!.pos)) &&
      same(next) &&
      next!.pos === "DET"
    ) {
      prev!.pos = "NOUN";
      prev!.lemma = prev!.lower;
      prev!.stem = stemOf(prev!.lemma);
      retag(cur, "VERB");
      continue;
    }
    // "get chased", "got approved": a word in -ed after "get" is its participle.
    if (cur.pos === "NOUN" && /ed$/.test(cur.lower) && same(prev) && prev!.lemma === "get") {
      retag(cur, "VERB");
      continue;
    }
    // "get an alert 30 days before": an adjective after a determiner with no noun to modify is the noun.
    if (
      cur.pos === "ADJ" &&
      !cur.stop &&
      same(prev) &&
      prev!.pos === "DET" &&
      (!same(next) || ["NUM", "ADP", "PUNCT", "CCONJ", "SCONJ"].includes(next!.pos))
    ) {
      retag(cur, "NOUN");
      continue;
    }
    // "owners book vetted walkers", "patients pick a slot": a base-form noun after a plural subject.
    if (
      cur.pos === "NOUN" &&
      base(cur) &&
      same(prev) &&
      (prev!.pos === "NOUN" || prev!.pos === "PROPN") &&
      plural(prev) &&
      same(next) &&
      (["DET", "ADJ", "NOUN", "PRON", "NUM"].includes(next!.pos) ||
        (next!.pos === "VERB" && /(?:ed|en)$/.test(next!.lower)) ||
        (["ADP", "PART"].includes(next!.pos) && /^(?:up|in|out|off|on|back)$/.test(next!.lower)))
    ) {
      retag(cur, "VERB");
      continue;
    }
    // "physiotherapists record exercises": the same, with the object mistagged as a verb in -s.
    if (
      cur.pos === "NOUN" &&
      base(cur) &&
      same(prev) &&
      (prev!.pos === "NOUN" || prev!.pos === "PROPN") &&
      plural(prev) &&
      same(next) &&
      next!.pos === "VERB" &&
      /[^s]s$/.test(next!.lower)
    ) {
      retag(cur, "VERB");
      retag(next!, "NOUN");
      continue;
    }
    // ", record damaged goods", "and book tasting visits": a base-form noun opening a later clause
    // of a sentence that already has a verb, followed by a noun phrase ending in a plural.
    if (
      cur.pos === "NOUN" &&
      base(cur) &&
      !adjectival(cur) &&
      same(prev) &&
      /^(?:,|and|or|then)$/.test(prev!.lower)
    ) {
      const earlierVerb = out.slice(0, i).some((t) => t.sentence === cur.sentence && t.pos === "VERB");
      let k = i + 1;
      while (
        k < out.length &&
        k <= i + 3 &&
        out[k]!.sentence === cur.sentence &&
        (out[k]!.pos === "ADJ" ||
          out[k]!.pos === "NOUN" ||
          (out[k]!.pos === "VERB" && /(?:ed|ing)$/.test(out[k]!.lower))) &&
        !plural(out[k])
      )
        k++;
      const end = out[k];
      if (
        earlierVerb &&
        end &&
        end.sentence === cur.sentence &&
        (end.pos === "NOUN" || end.pos === "VERB") &&
        /[^s]s$/.test(end.lower) &&
        k > i &&
        // ", agency temps claim them": a verb acting on a pronoun follows, so the plural is a subject.
        !(out[k + 1]?.sentence === cur.sentence && /^(?:them|it)$/.test(out[k + 2]?.lower ?? ""))
      ) {
        retag(cur, "VERB");
        if (end.pos === "VERB") retag(end, "NOUN");
        continue;
      }
    }
    // "Our marine charity posts beach clean-up events,", "A local newspaper moves behind a paywall:":
    // a clause with no verb of its own, opened by a determiner and a singular noun, has its verb in
    // the plural-looking word that follows.
    if (
      cur.pos === "NOUN" &&
      plural(cur) &&
      same(prev) &&
      prev!.pos === "NOUN" &&
      !plural(prev) &&
      same(next) &&
      ["ADP", "DET", "NOUN", "ADJ"].includes(next!.pos)
    ) {
      let k = i - 1;
      while (k > 0 && out[k - 1]!.sentence === cur.sentence && ["ADJ", "NOUN"].includes(out[k - 1]!.pos)) k--;
      const opener = out[k - 1];
      const clauseStart = opener && opener.sentence === cur.sentence && ["DET", "PRON"].includes(opener.pos);
      const before = opener ? out[k - 2] : undefined;
      const atStart = !before || before.sentence !== cur.sentence || before.pos === "PUNCT";
      let end = i + 1;
      while (end < out.length && out[end]!.sentence === cur.sentence && out[end]!.pos !== "PUNCT") end++;
      // Participles ("a metered paywall") modify; they are not the clause's verb.
      const verbless = !out
        .slice(k, end)
        .some((t) => t !== cur && (t.pos === "AUX" || (t.pos === "VERB" && !/(?:ed|en|ing)$/.test(t.lower))));
      if (clauseStart && atStart && verbless) {
        retag(cur, "VERB");
        continue;
      }
    }
    // "and editors moderate comments": an adjective between a plural subject opening a clause and
    // a plural object is the clause's verb.
    if (
      cur.pos === "ADJ" &&
      base(cur) &&
      same(prev) &&
      prev!.pos === "NOUN" &&
      plural(prev) &&
      (!same(prev2) || prev2!.pos === "CCONJ" || prev2!.pos === "PUNCT") &&
      same(next) &&
      next!.pos === "NOUN" &&
      plural(next)
    ) {
      retag(cur, "VERB");
      continue;
    }
    // "a bot that answers questions", "people who love yoga": a -s or base-form "noun" right
    // after a relative pronoun is its verb.
    if (
      cur.pos === "NOUN" &&
      (/[^s]s$/.test(cur.lower) || base(cur)) &&
      same(prev) &&
      /^(?:who|that|which)$/.test(prev!.lower) &&
      same(next) &&
      ["DET", "ADJ", "NOUN", "PRON", "NUM", "PROPN"].includes(next!.pos)
    ) {
      retag(cur, "VERB");
      continue;
    }
    // "collect permission slips from parents": verb, noun, then a -s "verb" before a preposition.
    if (
      cur.pos === "VERB" &&
      /[^s]s$/.test(cur.lower) &&
      same(prev) &&
      prev!.pos === "NOUN" &&
      same(prev2) &&
      prev2!.pos === "VERB" &&
      same(next) &&
      (next!.pos === "ADP" || next!.pos === "PUNCT" || next!.pos === "CCONJ")
    ) {
      retag(cur, "NOUN");
      continue;
    }
    // ", track walks on a map": a base-form noun opening a clause, then a "verb" in -s.
    if (
      cur.pos === "NOUN" &&
      base(cur) &&
      (!same(prev) || CLAUSE_START.test(prev!.lower)) &&
      same(next) &&
      next!.pos === "VERB" &&
      /s$/.test(next!.lower)
    ) {
      retag(cur, "VERB");
      retag(next!, "NOUN");
      continue;
    }
    // "get alerts", "confirms offers": a -s "verb" right after a verb is its object.
    if (
      cur.pos === "VERB" &&
      /[^s]s$/.test(cur.lower) &&
      same(prev) &&
      (prev!.pos === "VERB" || prev!.pos === "AUX")
    ) {
      if (prev!.pos === "VERB") retag(cur, "NOUN");
      continue;
    }
    // "on match days", "for pay slips": a base-form "verb" right after a preposition, before a
    // plural noun, modifies that noun.
    if (
      cur.pos === "VERB" &&
      base(cur) &&
      same(prev) &&
      prev!.pos === "ADP" &&
      prev!.lower !== "to" &&
      same(next) &&
      next!.pos === "NOUN" &&
      plural(next)
    ) {
      retag(cur, "NOUN");
      continue;
    }
    // "a termly hire fee": a base-form "verb" between a determiner's modifiers and a noun is one of them.
    if (
      cur.pos === "VERB" &&
      base(cur) &&
      same(prev) &&
      ["ADJ", "ADV"].includes(prev!.pos) &&
      same(prev2) &&
      prev2!.pos === "DET" &&
      same(next) &&
      next!.pos === "NOUN"
    ) {
      retag(cur, "NOUN");
      continue;
    }
    // "on a live map", "the child's reward jar": nothing after a determiner or a possessive is a verb.
    if (cur.pos === "VERB" && same(prev) && (prev!.pos === "DET" || /^['’]s$/.test(prev!.lower))) {
      const modifies = next !== undefined && same(next) && (next.pos === "NOUN" || next.pos === "VERB");
      retag(cur, modifies ? "ADJ" : "NOUN");
      if (modifies && next.pos === "VERB") retag(next, "NOUN");
      continue;
    }
    // "flagged to the team lead, and": a base-form "verb" that ends a determiner's noun phrase, with
    // nothing after it but punctuation, a conjunction or the sentence's end, is the phrase's head.
    if (
      cur.pos === "VERB" &&
      base(cur) &&
      same(prev) &&
      prev!.pos === "NOUN" &&
      !plural(prev) &&
      same(prev2) &&
      prev2!.pos === "DET" &&
      (!same(next) || next!.pos === "PUNCT" || next!.pos === "CCONJ")
    ) {
      retag(cur, "NOUN");
      continue;
    }
    // "the vet drafts notes", "the game master watches the cameras", "Customer picks a window",
    // "the artist quotes and asks for": a determiner (or the sentence's start), singular nouns,
    // then a plural "noun" before an object or a coordinated verb.
    if (cur.pos === "NOUN" && plural(cur) && same(prev) && isNoun(prev!) && !plural(prev)) {
      let k = i - 1;
      while (
        k > 0 &&
        out[k - 1]!.sentence === cur.sentence &&
        (isNoun(out[k - 1]!) || out[k - 1]!.pos === "ADJ") &&
        !plural(out[k - 1])
      )
        k--;
      const opener = out[k - 1];
      const opens = !opener || opener.sentence !== cur.sentence || opener.pos === "DET";
      const after = out[i + 2];
      const objectNext = same(next) && ["NOUN", "DET", "PRON"].includes(next!.pos);
      const coordinated =
        same(next) &&
        next!.pos === "CCONJ" &&
        same(after) &&
        after!.pos === "VERB" &&
        /[^s]s$/.test(after!.lower);
      // At a sentence's start with no determiner ("Food trucks post …") only an object's own
      // determiner after the word makes it a verb ("Customer picks a window").
      const determined = opener?.pos === "DET" ? objectNext : determines(next);
      if (opens && (determined || coordinated) && i - k <= 3) retag(cur, "VERB");
    }
  }
}

function nounLemma(word: string): string {
  const { nlp, addon } = loadWink();
  const doc = nlp.readDoc(`the ${word}`);
  return (doc.tokens().out(addon.lemma)[1] ?? word).toLowerCase();
}

function verbLemma(word: string): string {
  const { nlp, addon } = loadWink();
  // "watches", "pushes", "fixes", "carries": the third person adds "es" (or turns "y" into "ies").
  const stem = /(?:ch|sh|x|ss|zz|o)es$/.test(word)
    ? word.slice(0, -2)
    : /[^aeiou]ies$/.test(word)
      ? `${word.slice(0, -3)}y`
      : word.replace(/([^s])s$/, "$1");
  const doc = nlp.readDoc(`they ${stem}`);
  return (doc.tokens().out(addon.lemma)[1] ?? word).toLowerCase();
}

/** Content word: a noun, verb, adjective or proper noun that is not a stop or filler word. */
export function isContent(t: Token): boolean {
  if (t.stop) return false;
  if (!/\p{L}/u.test(t.value) || t.value.length < 2) return false;
  if (UNITS.test(t.lemma)) return false;
  return t.pos === "NOUN" || t.pos === "PROPN" || t.pos === "VERB" || t.pos === "ADJ";
}

/** Porter2 stem of one word, e.g. to compare a keyword against analysed tokens. */
export function stemWord(word: string): string {
  return stemOf(word.toLowerCase());
}
