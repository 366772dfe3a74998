/**
 * What a short idea plainly implies but does not say. "Book a dog walker and pay after the walk"
 * names two tasks; a client reading the plan also expects the booking to be confirmed or cancelled,
 * a receipt for the payment and the walker's profile. Each rule below is one such counterpart of an
 * action or a noun in the idea (book → confirm or cancel and pay, lend → due back, pay → receipt,
 * sell or rent out → payout, rate → profiles, lessons → progress, classes → timetable, swap →
 * accept or decline, ask → status, sign up → reminder, split → settle up, come to → book a visit,
 * test → results), phrased with the idea's own nouns. The rules are a small, general lifecycle of transactions, not a list of
 * sectors: a counterpart is drafted only when the idea itself names the action or thing it answers.
 */
import { type NounPhrase, type Token, analyse, nounPhrases, stripMarkup } from "../text/index.ts";
import type { Feature } from "../schemas.ts";
import { isActor, isPeopleNoun } from "./idea.ts";
import { isPlural } from "./grammar.ts";

export interface Counterpart {
  name: string;
  /** Who does it, when the idea names them as the cue's subject ("bands sell tickets"). */
  who?: string;
  /** What the actor can do, lower case, to follow "<actor> can ". */
  action: string;
  screen: Feature["screen"];
  keywords: string[];
}

/** What a rule knows of the idea: the thing the cue acts on and the people the idea names. */
interface Context {
  /** "the camping gear", "the court"; undefined when the cue has no thing after it. */
  thing?: { text: string; plural: boolean };
  /** Singular role of the people the idea names: "dog walker", "neighbour". */
  person?: string;
  /** Singular role of the people the cue acts on directly: "book a dog walker". */
  booked?: string;
  /** The cue word's lemma: "book", "rent", "lesson". */
  cue: string;
  /** Whether people right before the cue do it ("a nurse comes"). */
  subjectIsPerson: boolean;
  /** The noun right before a noun cue, naming its kind: "yoga" in "yoga classes". */
  kind?: string;
  /** The word after the cue, lower case. */
  next?: string;
  /** Every lemma and word of the idea. */
  words: Set<string>;
  /** "rent out", "lend", "sell": the client offers the thing rather than takes it. */
  offers: boolean;
}

interface Rule {
  /** Verbs that are cues only when the tagger or the word order reads them as verbs ("rent out"). */
  verbs?: RegExp;
  /** Nouns that are cues wherever they stand ("booking", "lessons", "fees"). */
  nouns?: RegExp;
  /** The cue noun's own phrase is the thing ("five-minute video lessons"), not a name of the act ("a swap"). */
  nounIsThing?: boolean;
  /** The cue's subject is not who does the counterpart ("a nurse comes": the patient books). */
  visited?: boolean;
  /** Words that show the idea says the counterpart already ("cancel", "progress"). */
  said: RegExp;
  /** Whether the rule applies to this reading of its cue. */
  when?: (c: Context) => boolean;
  draft: (c: Context) => Counterpart;
}

const of = (c: Context, prep: string): string => (c.thing ? ` ${prep} ${c.thing.text}` : "");

const RULES: Rule[] = [
  {
    verbs: /^(?:book|reserve|hire)$/,
    nouns: /^(?:booking|reservation|appointment)$/,
    said: /^(?:confirm|confirmation|cancel|cancellation)$/,
    draft: (c) => ({
      name: "Confirm or cancel a booking",
      action: `get each booking${c.booked ? ` with the ${c.booked}` : of(c, "of")} confirmed, or cancel it`,
      screen: "form",
      keywords: ["booking", "confirmation", "cancellation"],
    }),
  },
  {
    // Someone who comes to the client ("a nurse comes to your home") comes at a time agreed first.
    verbs: /^(?:come|visit)$/,
    said: /^(?:book|booking|appointment|slot|schedule)$/,
    when: (c) => c.subjectIsPerson && (c.cue === "visit" || c.next === "to"),
    // The visit is booked by whoever is visited, not by the visitor.
    visited: true,
    draft: () => ({
      name: "Book a visit at a time that suits",
      action: "book a visit at a time that suits them and get it confirmed",
      screen: "form",
      keywords: ["visit", "booking"],
    }),
  },
  {
    // A test or an exam is taken for its result.
    nouns: /^(?:test|exam|examination|assessment|quiz|screening)$/,
    nounIsThing: true,
    said: /^(?:result|score|grade)$/,
    draft: (c) => ({
      name: "See the results",
      action: `see the results${of(c, "of")} as soon as they are ready`,
      screen: "list",
      keywords: ["result"],
    }),
  },
  {
    verbs: /^(?:lend|borrow|loan)$/,
    nouns: /^(?:loan)$/,
    said: /^(?:return|due)$/,
    draft: () => ({
      name: "Track returns and due dates",
      action: `see what is out on loan, when it is due back and mark it returned`,
      screen: "dashboard",
      keywords: ["return", "due date"],
    }),
  },
  {
    // The client offers the thing ("rent out your driveway", "bands sell tickets"): they get paid.
    verbs: /^(?:rent|hire|sell|let)$/,
    said: /^(?:payout|earnings|earn)$/,
    when: (c) => c.offers,
    draft: (c) => ({
      name: "Get paid out for each " + (c.cue === "sell" ? "sale" : "rental"),
      action: `set a price${of(c, "for")} and get paid out for each ${c.cue === "sell" ? "sale" : "rental"}`,
      screen: "dashboard",
      keywords: ["price", "payout"],
    }),
  },
  {
    // Something booked, bought or hired is paid for, unless the client offers it (then: payout).
    verbs: /^(?:pay|buy|purchase|rent|hire|order|book|reserve)$/,
    nouns: /^(?:payment|fee|price|ticket|subscription|booking)$/,
    said: /^(?:receipt|invoice|free)$/,
    when: (c) => !c.offers,
    // The client who says "pay" has the payment already; what it leaves out is the receipt.
    draft: (c) => ({
      name: c.words.has("pay") ? "Get a receipt for each payment" : "Pay online and get a receipt",
      action: c.words.has("pay")
        ? c.thing
          ? `get a receipt each time they pay for ${c.thing.text}`
          : "get a receipt for each payment"
        : `pay${c.thing ? ` for ${c.thing.text}` : ""} online and get a receipt`,
      screen: "form",
      keywords: ["payment", "receipt"],
    }),
  },
  {
    // Money split between people ("split the rent", "share the costs") leaves balances to settle.
    verbs: /^(?:split)$/,
    said: /^(?:owe|settle|balance)$/,
    draft: (c) => ({
      name: "See who owes what and settle up",
      action: `see who owes what${of(c, "for")} and settle up`,
      screen: "dashboard",
      keywords: ["balance", "settle"],
    }),
  },
  {
    verbs: /^(?:rate|review|trust|recommend|vet)$/,
    nouns: /^(?:rating|review|recommendation)$/,
    said: /^(?:profile)$/,
    draft: (c) => ({
      name: c.person ? `See each ${c.person}'s profile and ratings` : "See profiles and ratings",
      action: c.person
        ? `see each ${c.person}'s profile, ratings and reviews`
        : "see each member's profile, ratings and reviews",
      screen: "list",
      keywords: ["profile", "rating"],
    }),
  },
  {
    // Classes run at set times: people look them up and take a place.
    nouns: /^(?:class|workshop)$/,
    nounIsThing: true,
    said: /^(?:book|booking|timetable|schedule|reserve)$/,
    draft: (c) => ({
      name: `See the ${c.kind ? `${c.kind} ` : ""}${c.cue} timetable and book a place`,
      action: `see the timetable${of(c, "of")} and book a place`,
      screen: "list",
      keywords: ["timetable", "booking"],
    }),
  },
  {
    // Signing up for something that happens later asks for a confirmation now and a reminder then.
    verbs: /^(?:sign|join|register|enrol|enroll)$/,
    said: /^(?:remind|reminder|confirm|confirmation)$/,
    draft: (c) => ({
      name: "Get a confirmation and a reminder",
      action: `get a confirmation on signing up${of(c, "for")} and a reminder before ${c.thing?.plural ? "each one" : "it"} starts`,
      screen: "form",
      keywords: ["confirmation", "reminder"],
    }),
  },
  {
    verbs: /^(?:learn|teach|tutor|practise|practice|train)$/,
    nouns: /^(?:lesson|course|tuition|tutoring)$/,
    nounIsThing: true,
    said: /^(?:progress|result|score)$/,
    draft: (c) => ({
      name: "Follow progress and results",
      action: `follow progress and results${of(c, "in")}`,
      screen: "dashboard",
      keywords: ["progress", "result"],
    }),
  },
  {
    verbs: /^(?:swap|exchange|trade)$/,
    nouns: /^(?:swap|exchange|trade)$/,
    said: /^(?:accept|decline|offer|propose)$/,
    draft: (c) => ({
      name: "Propose a swap and accept or decline offers",
      action: `propose a swap${of(c, "of")} and accept or decline the offers they get`,
      screen: "form",
      keywords: ["swap", "offer"],
    }),
  },
  {
    verbs: /^(?:request|ask|apply|claim|submit)$/,
    nouns: /^(?:request|question|application|claim|enquiry)$/,
    said: /^(?:status|track)$/,
    draft: (c) => {
      const what = /^(?:ask|question)$/.test(c.cue)
        ? "question"
        : /^(?:apply|application)$/.test(c.cue)
          ? "application"
          : /^claim$/.test(c.cue)
            ? "claim"
            : "request";
      return {
        name: `Follow the status of each ${what}`,
        action: `follow the status of each ${what} from sent to ${what === "question" ? "answered" : "approved or declined"}`,
        screen: "list",
        keywords: [what, "status"],
      };
    },
  },
];

const AFTER_VERB =
  /^(?:the|a|an|out|up|your|their|my|our|each|every|one|its|his|her|them|it|how|what|who|whether)$/;

/**
 * The tagger may read a verb as a noun: "Rent out camping gear" and "Swap houseplant cuttings" open
 * with an imperative, "Staff request holidays" has people right before their verb.
 */
function readsAsVerb(tokens: Token[], i: number): boolean {
  const t = tokens[i]!;
  if (t.pos === "VERB") return true;
  const [prev, next] = [tokens[i - 1], tokens[i + 1]];
  if (!prev || prev.sentence !== t.sentence) return true;
  if (["NOUN", "PROPN"].includes(prev.pos) && isPeopleNoun(prev.lemma) && !isPlural(t)) return true;
  return !!next && next.sentence === t.sentence && AFTER_VERB.test(next.lower);
}

/** How the token is a cue of the rule: as a noun, as a verb, or not at all. */
function cueOf(rule: Rule, t: Token, tokens: Token[], i: number): "noun" | "verb" | undefined {
  // "in the app": the tagger's lemma ("application") of a filler word is no cue.
  if (t.filler || t.stop) return undefined;
  const words = [t.lemma, t.lower];
  // "no booking fees", "without a subscription": the client rules the thing out.
  const before = tokens.slice(Math.max(0, i - 2), i).filter((x) => x.sentence === t.sentence);
  if (before.some((x) => /^(?:no|without|not|never)$/.test(x.lower))) return undefined;
  const next = tokens[i + 1];
  // "booking fees" are fees: a noun modifying the next one is not the cue's thing.
  const modifier = next?.sentence === t.sentence && next.pos === "NOUN";
  if (rule.nouns && t.pos !== "VERB" && !modifier && words.some((w) => rule.nouns!.test(w))) return "noun";
  return rule.verbs && words.some((w) => rule.verbs!.test(w)) && readsAsVerb(tokens, i) ? "verb" : undefined;
}

const SKIP = /^(?:the|a|an|out|up|your|their|my|our|each|every|its|his|her|own)$/;

/** The phrase the cue acts on directly ("rent out your empty driveway", "swap houseplant cuttings"). */
function objectOf(phrases: NounPhrase[], tokens: Token[], i: number): NounPhrase | undefined {
  let k = i + 1;
  // "sign up for the shifts": the particle's preposition leads to the object too.
  const skip = (t: Token | undefined) =>
    !!t &&
    t.sentence === tokens[i]!.sentence &&
    (SKIP.test(t.lower) || (t.lower === "for" && tokens[k - 1]?.lower === "up"));
  while (skip(tokens[k])) k++;
  const first = k;
  // "sell 8-week workout programmes": a number or modifier the phrase does not hold comes first.
  for (let n = 0; n < 3 && tokens[k] && !phrases.some((ph) => ph.tokens.includes(tokens[k]!)); n++) {
    if (!["NUM", "ADJ", "PUNCT"].includes(tokens[k]!.pos) || /^[.,;:!?]$/.test(tokens[k]!.value)) break;
    k++;
  }
  const start = tokens[k];
  if (!start || start.sentence !== tokens[i]!.sentence) return undefined;
  // The tagger may glue the cue to its object ("swap houseplant cuttings"): keep what follows it.
  const p = phrases.find((ph) => ph.tokens.includes(start));
  if (!p) return undefined;
  const rest = [...tokens.slice(first, k), ...p.tokens.slice(p.tokens.indexOf(start))];
  const at = rest.findIndex((t) => t.pos === "NOUN" || t.pos === "PROPN");
  return at < 0 ? undefined : { ...p, tokens: rest };
}

function written(tokens: Token[]): string {
  return tokens
    .map((t, k) => (k ? t.pre : "") + t.value)
    .join("")
    .replace(/^own\s+/i, "");
}

function thingOf(p: NounPhrase | undefined): Context["thing"] {
  if (!p || isPeopleNoun(p.head) || p.tokens.filter((t) => /\p{L}/u.test(t.value)).length > 3)
    return undefined;
  // A name ("British Sign Language") takes no article.
  const name = p.tokens.every((t) => t.pos === "PROPN" && /^\p{Lu}/u.test(t.value));
  // The sentence's capital ("Drop-in yoga classes") is not the client's.
  const text = name
    ? written(p.tokens)
    : written(p.tokens).replace(/^\p{Lu}(?=\p{Ll})/u, (c) => c.toLowerCase());
  return { text: `${name ? "" : "the "}${text}`, plural: isPlural(p.tokens[p.tokens.length - 1]!) };
}

/** A role in the singular as the client spells it: "dog walkers" → "dog walker", "neighbours" → "neighbour". */
function singular(p: NounPhrase): string {
  const head = p.tokens[p.tokens.length - 1]!;
  const v = head.value;
  const one = !isPlural(head)
    ? v
    : /ies$/i.test(v) && head.lemma.endsWith("y")
      ? `${v.slice(0, -3)}y`
      : /es$/i.test(v) && v.slice(0, -2).toLowerCase() === head.lemma
        ? v.slice(0, -2)
        : v.replace(/s$/i, "");
  const text = written([...p.tokens.slice(0, -1), { ...head, value: one }]);
  const lead = p.tokens[0]!;
  // A role the tagger took for a name because it opens the sentence ("Neighbours lend …").
  const common = lead.pos !== "PROPN" || (p.tokens.length === 1 && isPeopleNoun(lead.lemma));
  return !common ? text : text.replace(/^\p{Lu}(?=\p{Ll})/u, (c) => c.toLowerCase());
}

/**
 * The counterparts a short idea implies, at most `max`, in rule order; a counterpart the idea
 * already says ("and cancel it", "progress reports") is not drafted again.
 */
export function counterpartsOf(text: string, max: number): Counterpart[] {
  const clean = stripMarkup(text);
  const tokens = analyse(clean);
  const phrases = nounPhrases(clean);
  const lemmas = new Set(tokens.flatMap((t) => [t.lemma, t.lower]));
  const people = phrases.find((p) => isPeopleNoun(p.head) && p.tokens.length <= 3);
  const person = people ? singular(people) : undefined;
  const cue = (t: Token) => RULES.some((r) => r.verbs?.test(t.lemma) || r.nouns?.test(t.lemma));
  const main = phrases.find(
    (p) =>
      !isPeopleNoun(p.head) &&
      // "Mobile bike mechanics fix …": whoever acts is no thing, even when no suffix shows a role.
      !(isActor(p) && tokens[tokens.indexOf(p.tokens[p.tokens.length - 1]!) + 1]?.pos === "VERB") &&
      !p.tokens.some((t) => t.filler || cue(t)) &&
      thingOf(p) !== undefined,
  );
  const out: Counterpart[] = [];
  for (const rule of RULES) {
    if (out.length >= max) break;
    if ([...lemmas].some((w) => rule.said.test(w))) continue;
    const i = tokens.findIndex((t, k) => cueOf(rule, t, tokens, k));
    if (i < 0) continue;
    const t = tokens[i]!;
    const [prev, next] = [tokens[i - 1], tokens[i + 1]];
    const offers = /^(?:sell|let)$/.test(t.lemma) || (next?.lower === "out" && t.pos !== "NOUN");
    const object = objectOf(phrases, tokens, i);
    // A noun cue is its own thing ("video lessons"); a verb cue names its object after it.
    const own =
      rule.nounIsThing && cueOf(rule, t, tokens, i) === "noun"
        ? phrases.find((ph) => ph.tokens.includes(t))
        : undefined;
    // No thing after the cue ("swap them", "booked from your phone"): the idea's main thing.
    const thing = thingOf(own ?? object) ?? thingOf(main);
    const booked =
      object && isPeopleNoun(object.head) && object.tokens.length <= 3 ? singular(object) : undefined;
    const subject = phrases.find((ph) => ph.tokens[ph.tokens.length - 1] === tokens[i - 1]);
    const subjectIsPerson = !!subject && isPeopleNoun(subject.head);
    const context: Context = {
      thing,
      person,
      booked,
      cue: t.lemma,
      offers,
      words: lemmas,
      subjectIsPerson,
      next: next?.lower,
      // The tagger reads a sentence's first noun as a name ("Pottery classes …").
      ...(prev?.sentence === t.sentence &&
      !prev.filler &&
      (prev.pos === "NOUN" || (prev.pos === "PROPN" && tokens[i - 2]?.sentence !== t.sentence))
        ? { kind: prev.lower }
        : {}),
    };
    if (rule.when && !rule.when(context)) continue;
    // Whoever is paid out for a sale is not the one paying for it: one side of the money is enough.
    if (out.some((o) => o.keywords.includes("payout")) && rule.said.test("receipt")) continue;
    // "Personal trainers sell …": the people right before the verb do it, whoever the product is for.
    const who =
      !rule.visited && subject && isPeopleNoun(subject.head) && cueOf(rule, t, tokens, i) === "verb"
        ? written(subject.tokens)
        : undefined;
    out.push({ ...rule.draft(context), ...(who ? { who } : {}) });
  }
  return out;
}
