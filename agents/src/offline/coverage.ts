/**
 * Every thing the client named lands in a feature: after the features are drafted from the idea's
 * actions, each noun phrase of the idea (an actor, an object, a constraint) that no feature names in
 * the drafts' own words yet is added to the description of the feature drafted from the same
 * sentence, in a sentence of ours ("It keeps the team lead in the loop.", "It covers the expiry
 * date and the food parcels."), so no run of the client's words is quoted back. Named systems and
 * platform constraints get a sentence of their own ("It connects to Xero.", "It keeps working
 * offline.").
 */
import type { Feature } from "../schemas.ts";
import {
  type NounPhrase,
  type Token,
  actions,
  analyse,
  foreignStopwords,
  isContent,
  joinList,
  nounPhrases,
  stemsOf,
  tokenize,
  withoutQuotedRuns,
} from "../text/index.ts";
import type { NamedConstraint } from "../quality/relevance.ts";
import {
  type IdeaReading,
  describesBusiness,
  describesToday,
  isNamedRole,
  isPeopleNoun,
  isTheProduct,
  opensWithNow,
} from "./idea.ts";
import { isPlural } from "./grammar.ts";

/** Items a feature's description lists at most, per kind (people, things). */
const MAX_ITEMS = 3;
const MAX_PHRASE_WORDS = 3;
const TIME_UNIT =
  /^(?:day|week|month|year|hour|morning|evening|night|afternoon|weekend|quarter|season|term)$/;

interface Item {
  /** The phrase as listed, longest first: "the signed inspection report", "the inspection report". */
  variants: string[];
  stems: string[];
  sentence: number;
  people: boolean;
}

interface Slot {
  feature: Feature;
  sentence: number;
  people: string[];
  things: string[];
  extra: string[];
}

function contentStems(text: string): string[] {
  return analyse(text)
    .filter(isContent)
    .map((t) => t.stem);
}

/** The stems a text says in its own words: what is left once runs quoted from `source` are gone. */
function ownStems(texts: string[], source: string): Set<string> {
  return new Set(texts.flatMap((t) => contentStems(withoutQuotedRuns(t, source))));
}

/**
 * "editors moderate comments" is a clause the tagger read as one phrase: it splits at each plural
 * noun that is not the head, so each part is a thing of its own.
 */
function parts(p: NounPhrase): Token[][] {
  const out: Token[][] = [[]];
  p.tokens.forEach((t, i) => {
    out[out.length - 1]!.push(t);
    if (i < p.tokens.length - 1 && t.pos === "NOUN" && isPlural(t)) out.push([]);
  });
  return out.map((ts, i) => {
    // After the split, the word before the next noun was most likely the clause's verb ("moderate").
    if (i > 0 && ts.length > 1 && ts[0]!.pos !== "NOUN" && ts[0]!.pos !== "PROPN") ts.shift();
    while (ts.length > 1 && !["NOUN", "PROPN"].includes(ts[ts.length - 1]!.pos)) ts.pop();
    return ts;
  });
}

/** "the weekly digest", "Xero": a noun phrase as it reads inside a list, longest form first. */
function asItem(phrase: Token[], first: Set<Token>, tokens: Token[]): string[] {
  let words = phrase.slice(-MAX_PHRASE_WORDS);
  // Participles and quantities before the noun ("collected litres", "many parcels") are not the thing.
  // A possessive cut from its owner ("'s bank account") is no word of the thing either.
  while (words.length > 1 && (words[0]!.pos === "VERB" || words[0]!.pos === "PART" || words[0]!.stop))
    words = words.slice(1);
  const head = words[words.length - 1]!;
  if (!["NOUN", "PROPN"].includes(head.pos) || words.some((t) => /^\d/.test(t.value))) return [];
  // "48h." leaves a one-letter "noun": a unit, not a thing.
  if (!/\p{L}{2}/u.test(head.value)) return [];
  // A lone "noun" right before a determiner is a verb the tagger misread ("track the stock").
  const next = tokens[tokens.indexOf(head) + 1];
  if (
    words.length === 1 &&
    !isPlural(head) &&
    next &&
    next.sentence === head.sentence &&
    ["DET", "PRON"].includes(next.pos)
  )
    return [];
  const render = (ts: Token[]): string => {
    // Capitals the client wrote inside a sentence are names ("Android", "SEPA"); a sentence's first word is not.
    const text = ts
      .map((t, i) => {
        const word = first.has(t) || !/\p{Lu}/u.test(t.value) ? t.lower : t.value;
        return i === 0 ? word : `${t.pre.length ? " " : ""}${word}`;
      })
      .join("")
      .replace(/^[^\p{L}]+/u, "");
    const name = ts.every((t) => t.pos === "PROPN" && /^\p{Lu}/u.test(t.value) && !first.has(t));
    return name ? text : `the ${text}`;
  };
  const out: string[] = [];
  // A possessive cut from its owner ("'s identity") is no word of the thing either.
  for (let k = 0; k < words.length; k++)
    if (!/^['’]s?$/.test(words[k]!.lower)) out.push(render(words.slice(k)));
  return out;
}

/**
 * "a wall of fame", "proof of delivery", "the bill of materials": a noun joined by "of" to a bare
 * noun (no article between) is one thing, listed whole ("the wall of fame"), not as its halves.
 */
function ofCompound(phrase: Token[], phrases: Token[][], tokens: Token[], first: Set<Token>): string[] {
  const end = tokens.indexOf(phrase[phrase.length - 1]!);
  if (phrase.length > 2 || tokens[end + 1]?.lower !== "of") return [];
  const owner = tokens[end + 2];
  const of = phrases.find((p) => p[0] === owner);
  if (!owner || !of || of.length > 2 || owner.sentence !== phrase[0]!.sentence) return [];
  const [whole] = asItem(phrase, first, tokens);
  if (!whole || !/^the /.test(whole)) return [];
  return [
    `${whole} of ${of.map((t) => (/\p{Lu}/u.test(t.value) && !first.has(t) ? t.value : t.lower)).join(" ")}`,
  ];
}

/** The idea's sentence a feature was drafted from: the one sharing most content words with it. */
function sentenceOf(feature: Feature, sentences: Map<number, Set<string>>): number {
  const own = new Set(contentStems(`${feature.name} ${feature.action ?? ""}`));
  let best = -1;
  let bestHits = 0;
  for (const [s, stems] of sentences) {
    const hits = [...own].filter((x) => stems.has(x)).length;
    if (hits > bestHits) [best, bestHits] = [s, hits];
  }
  return best;
}

function sentenceFor(slot: Slot): string {
  const parts: string[] = [];
  if (slot.things.length) parts.push(`It covers ${joinList(slot.things)}.`);
  if (slot.people.length) parts.push(`It keeps ${joinList(slot.people)} in the loop.`);
  return [...parts, ...slot.extra].join(" ");
}

const PLATFORM_NAMES: Record<string, string> = {
  android: "Android",
  ios: "iOS",
  iphone: "an iPhone",
  ipad: "an iPad",
  tablet: "a tablet",
};

function platformSentence(c: NamedConstraint): string {
  if (c.kind === "offline") return "It keeps working offline.";
  const name = PLATFORM_NAMES[c.name] ?? `${/^[aeiou]/.test(c.name) ? "an" : "a"} ${c.name}`;
  return `It runs well on ${name}.`;
}

/**
 * `features` with descriptions that name every actor, object and constraint of the idea no
 * feature names yet. `source` is the client's whole text, whose quoted runs do not count.
 */
export function coverIdea(
  features: Feature[],
  reading: IdeaReading,
  source: string,
  constraints: NamedConstraint[],
): Feature[] {
  if (features.length === 0) return features;
  if (reading.language.code !== "en") return coverForeign(features, reading, source);
  const tokens = analyse(reading.text);
  const sentences = new Map<number, Set<string>>();
  for (const t of tokens)
    if (isContent(t))
      (sentences.get(t.sentence) ?? sentences.set(t.sentence, new Set()).get(t.sentence)!).add(t.stem);
  const slots: Slot[] = features.map((feature) => ({
    feature,
    sentence: sentenceOf(feature, sentences),
    people: [],
    things: [],
    extra: [],
  }));
  const said = ownStems(
    features.map((f) => `${f.name}. ${f.description}`),
    source,
  );
  const items: Item[] = [];
  const seen = new Set<string>();
  const first = new Set(tokens.filter((t, i) => i === 0 || tokens[i - 1]!.sentence !== t.sentence));
  const words = (ts: Token[]) => ts.map((t) => t.lower).join(" ");
  const product =
    reading.product && isTheProduct(reading.product, reading) ? words(reading.product.tokens) : undefined;
  const phrases = nounPhrases(reading.text).flatMap(parts);
  for (const phrase of phrases) {
    const head = phrase[phrase.length - 1]!;
    if (head.filler || !isContent(head)) continue;
    // "At the moment …", "Right now …" say when, they name nothing the product works with.
    if (opensWithNow(head, reading.text)) continue;
    // "at the end of the week": a point in time, not a thing users work with.
    const of = tokens.indexOf(head) + 1;
    const unit = tokens.slice(of + 1, of + 3).find((t) => t.pos === "NOUN");
    if (tokens[of]?.lower === "of" && unit && TIME_UNIT.test(unit.lemma)) continue;
    // The product itself ("the scheduling assistant") is what every feature is part of.
    if (product !== undefined && words(phrase) === product) continue;
    const variants = [...ofCompound(phrase, phrases, tokens, first), ...asItem(phrase, first, tokens)];
    if (variants.length === 0 || seen.has(variants[0]!)) continue;
    const stems = contentStems(variants[0]!);
    if (stems.length === 0 || stems.every((s) => said.has(s))) continue;
    seen.add(variants[0]!);
    // A role by its suffix alone ("litter", "comments") is a person only when the client names the
    // role outright or has them do something ("editors moderate …").
    const after = tokens[tokens.indexOf(head) + 1];
    const acts = after?.sentence === head.sentence && (after.pos === "VERB" || after.pos === "AUX");
    const people = isPeopleNoun(head.lemma) && (isNamedRole(head.lemma) || (isPlural(head) && acts));
    items.push({ variants, stems, sentence: head.sentence, people });
  }
  const named = constraints.filter((c) => c.kind === "integration").map((c) => c.name);
  for (const name of [...reading.integrations, ...named]) {
    const stems = contentStems(name);
    if (stems.length === 0 || stems.every((s) => said.has(s))) continue;
    const at = tokens.find((t) => t.value === name.split(/\s+/)[0]);
    const slot = slots.find((s) => s.sentence === at?.sentence) ?? slots[0]!;
    if (!slot.extra.some((x) => x.includes(name))) slot.extra.push(`It connects to ${name}.`);
    stems.forEach((s) => said.add(s));
  }
  for (const c of constraints) {
    if (c.kind === "integration") continue;
    const sentence = platformSentence(c);
    if (!slots.some((s) => s.extra.includes(sentence))) slots[0]!.extra.push(sentence);
  }
  for (const item of items) {
    // Another item listed already may have said every word of this one ("the shifts" after "the volunteer shifts").
    if (item.stems.every((s) => said.has(s))) continue;
    const list = (s: Slot) => (item.people ? s.people : s.things);
    const roomy = slots.filter((s) => list(s).length < MAX_ITEMS);
    const slot =
      roomy.find((s) => s.sentence === item.sentence) ??
      [...roomy].sort((a, b) => list(a).length + a.extra.length - list(b).length - b.extra.length)[0];
    if (!slot) continue;
    // The longest form whose words survive as ours: "the signed inspection report" quotes the client.
    const fits = item.variants.find((v) => {
      list(slot).push(v);
      const own = ownStems([sentenceFor(slot)], source);
      list(slot).pop();
      return contentStems(v).every((s) => own.has(s));
    });
    if (!fits) continue;
    list(slot).push(fits);
    contentStems(fits).forEach((s) => said.add(s));
  }
  // Actions no feature took ("editors moderate comments"): the verb and its object, said by us.
  const systems = [...reading.integrations, ...named].map((n) => n.toLowerCase());
  for (const a of actions(reading.text, 20)) {
    const verb = analyse(a.verb)[0];
    // "pay by MTN Mobile Money" is the connection said above, not a second thing to do.
    if (systems.some((n) => a.phrase.toLowerCase().includes(n))) continue;
    if (!a.object || !verb || verb.stop || said.has(verb.stem) || !/^\p{Ll}+$/u.test(a.verb)) continue;
    if (describesBusiness(a, reading.text)) continue;
    if (stemsOf(withoutQuotedRuns(slots.map((x) => x.feature.name).join(". "), source)).has(verb.stem))
      continue;
    const objects = asItem(a.object.tokens, first, tokens);
    const slot =
      slots.find((x) => x.sentence === a.sentence && x.extra.length < 2) ??
      [...slots].sort((x, y) => x.extra.length - y.extra.length)[0]!;
    const fits = objects.find((o) => {
      const sentence = `It also lets them ${a.verb} ${o}.`;
      const own = ownStems([sentence], source);
      return contentStems(`${a.verb} ${o}`).every((x) => own.has(x));
    });
    if (!fits) continue;
    slot.extra.push(`It also lets them ${a.verb} ${fits}.`);
    contentStems(`${a.verb} ${fits}`).forEach((x) => said.add(x));
  }
  // States the client gives things ("who is late", "whether they're mortgage-approved", "weighed,
  // washed, folded and brought back"): a word no noun or action carries, so a sentence of its own.
  const states = statesOf(tokens).filter((t) => !said.has(t.stem) && !describesToday(t, reading.text));
  if (states.length) {
    const words = [...new Set(states.map((t) => t.lower))].slice(0, 4);
    const slot = slots.find((x) => x.sentence === states[0]!.sentence) ?? slots[0]!;
    slot.extra.push(`It marks each one as ${joinList(words, "or")}.`);
    states.forEach((t) => said.add(t.stem));
  }
  return slots.map((slot) => {
    const more = sentenceFor(slot);
    return more ? { ...slot.feature, description: `${slot.feature.description} ${more}` } : slot.feature;
  });
}

const BE = /^(?:is|are|was|were|be|been|being|'re|’re|'s|’s|gets?|got)$/;

/**
 * Adjectives said of something ("is late", "are ready") and participles with no object of their
 * own ("has paid and", ", weighed, washed, folded and"): the states an idea's things pass through.
 */
function statesOf(tokens: Token[]): Token[] {
  return tokens.filter((t, i) => {
    const [prev, next] = [tokens[i - 1], tokens[i + 1]];
    if (!isContent(t) || t.filler || !prev || prev.sentence !== t.sentence) return false;
    const ends = !next || next.sentence !== t.sentence || ["PUNCT", "CCONJ"].includes(next.pos);
    if (!ends) return false;
    // An adjective is a state when said of whoever a question or a condition picks out ("who is
    // late", "when the flag is red", "whether they're approved"); "mistakes are common" or "it is
    // slow" judge the situation instead.
    if (t.pos === "ADJ") {
      const who = tokens[i - 2];
      const picked =
        who?.sentence === t.sentence && who.pos === "PRON" && !/^(?:it|this|that|there)$/.test(who.lower);
      const condition = tokens
        .slice(Math.max(0, i - 6), i - 1)
        .some((x) => x.sentence === t.sentence && /^(?:when|if|once|whether|until|which|who)$/.test(x.lower));
      return BE.test(prev.lower) && (picked || condition);
    }
    const participle = t.pos === "VERB" && /(?:ed|en)$/.test(t.lower) && t.lower !== t.lemma;
    return participle && (BE.test(prev.lower) || ["AUX", "PUNCT", "CCONJ"].includes(prev.pos));
  });
}

const TERMS_PER_FEATURE = 4;

/**
 * An intake in another language: the tagger reads no phrases there, so each of the client's own
 * content words no feature names yet is cited in a feature's description, as their term.
 */
function coverForeign(features: Feature[], reading: IdeaReading, source: string): Feature[] {
  const stop = foreignStopwords(reading.language.code);
  const said = new Set(
    features.flatMap((f) => tokenize(withoutQuotedRuns(`${f.name}. ${f.description}`, source))),
  );
  const terms: string[] = [];
  for (const word of reading.text.match(/[\p{L}][\p{L}'’-]*/gu) ?? []) {
    // French elides its articles into the noun: "d'apprentissage" is the client's "apprentissage".
    const term = word.replace(/^(?:[dlmnst]|qu)['’]/i, "");
    const lower = term.toLowerCase();
    if (term.length < 4 || stop.has(lower) || said.has(lower)) continue;
    said.add(lower);
    terms.push(term);
  }
  const cap = TERMS_PER_FEATURE * features.length;
  return features.map((f, i) => {
    const mine = terms.filter((_, k) => k < cap && k % features.length === i).map((t) => `“${t}”`);
    return mine.length
      ? { ...f, description: `${f.description} It covers the client's terms ${joinList(mine)}.` }
      : f;
  });
}
