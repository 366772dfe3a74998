/**
 * How the offline model reads an intake, the way a product manager would: who it is for, what
 * they do with which objects, what the client named (integrations, platform constraints, numbers)
 * and in which language it was written. Everything downstream drafts from this reading.
 */
import type { IntakeInput } from "../contracts.ts";
import {
  type Action,
  type Concept,
  type Language,
  type NounPhrase,
  type Token,
  actions,
  analyse,
  detectLanguage,
  keyConcepts,
  nounPhrases,
  splitItems,
  stripMarkup,
} from "../text/index.ts";
import { subjectIsPlural } from "./grammar.ts";

export interface IdeaReading {
  text: string;
  language: Language;
  concepts: Concept[];
  /** Verb-object actions with an object, in the order the client wrote them. */
  actions: Action[];
  /** Noun phrases naming the people or organisations it is for: "small clinics", "beekeepers". */
  audiences: string[];
  /** Named systems to connect to: "Xero", "the bank API". */
  integrations: string[];
  /** Platform constraints as written: "must work offline", "older Android phones". */
  platform: string[];
  /** The objects users work with, most important first: "slot", "waitlist". */
  objects: NounPhrase[];
  /** The product the idea opens with, if it names one: "scheduling assistant". */
  product?: NounPhrase;
}

// People and organisations a product is for. Suffixes catch most roles ("beekeeper", "dentist",
// "tenant"); the list names the collective and organisational nouns that have no such suffix.
const PEOPLE_SUFFIX = /(?:er|or|ist|ant|ent|ian|eer|ee|ess)$/;
const PEOPLE =
  /^(?:people|person|user|customer|client|family|parent|kid|child|student|teen|adult|senior|patient|member|staff|team|professional|freelancer|business|company|shop|store|brand|clinic|practice|restaurant|cafe|venue|agency|firm|gym|studio|hotel|community|group|household|school|charity|nonprofit|organisation|organization|startup|bank|guest|host|fan|artist|athlete|coach|nurse|doctor|vet|desk|office|hospital|farm|bakery|salon|landlord|tenant|couple|friend|neighbour|neighbor|volunteer|donor|tourist|traveller|traveler|driver|courier|seller|buyer|shopper|investor|candidate|recruiter|founder|homeowner|renter|carer|caregiver|owner|manager|dentist|physio|therapist|trainer|teacher|tutor)s?$/;
const NOT_PEOPLE =
  /(?:list|assistant|chatbot|bot)s?$|^(?:moment|comment|order|folder|paper|letter|number|filter|calendar|reminder|center|centre|matter|water|computer|event|document|payment|content|component|agreement|appointment|assessment|statement|equipment|shipment|treatment|register|poster|timer|counter|tracker|planner|builder|player|browser|server|user-interface)s?$/;

/** Whether a noun names people or an organisation ("clinics", "the front desk", "beekeepers"). */
export function isPeopleNoun(lemma: string): boolean {
  // "pre-order" is an order, "co-founder" a founder: a compound names what its last part names.
  const w = lemma.toLowerCase().split("-").pop()!;
  // "-ment" names a thing or a moment ("the moment", "a shipment"), never a person.
  if (NOT_PEOPLE.test(w) || /ment$/.test(w)) return false;
  return PEOPLE.test(w) || (PEOPLE_SUFFIX.test(w) && w.length > 4);
}

// Kinds of product an idea opens with ("a scheduling assistant for small clinics", "an app that …").
const PRODUCT_KIND =
  /^(?:app|application|tool|platform|assistant|service|system|software|website|portal|bot|chatbot|product|helper|marketplace|widget|plugin|plug-in)$/;

/**
 * What the idea calls the product itself, when it opens by naming it ("A scheduling assistant for
 * small clinics that …"): what is being built, not a thing its users browse, add or track.
 */
export function productOf(text: string): NounPhrase | undefined {
  const first = nounPhrases(text)[0];
  return first && PRODUCT_KIND.test(first.head.toLowerCase()) ? first : undefined;
}

/** Whether `phrase` is the product the idea opens with, and the idea never acts on it ("configure the bot"). */
export function isTheProduct(phrase: NounPhrase, reading: Pick<IdeaReading, "product" | "actions">): boolean {
  const product = reading.product;
  if (!product || phrase.text.toLowerCase() !== product.text.toLowerCase()) return false;
  return !reading.actions.some((a) => a.object?.head === product.head);
}

// Verbs that state the client's problem ("dentists lose money on no-shows"), not something to build.
const PROBLEM_VERBS = /^(?:lose|waste|miss|struggle|lack|suffer|forget|spend|fail|hate|cost)$/;

/** Whether a noun names a role or organisation by itself ("owner", "clinic"), not only by its suffix ("litter"). */
export function isNamedRole(lemma: string): boolean {
  const w = lemma.toLowerCase().split("-").pop()!;
  return PEOPLE.test(w) && !NOT_PEOPLE.test(w);
}

/** The subject of an action names an actor unless it is a thing ("the map shows…", "it"). */
export function isActor(subject: NounPhrase): boolean {
  const head = subject.tokens[subject.tokens.length - 1];
  if (!head || head.stop || head.filler) return false;
  return (
    isPeopleNoun(subject.head) ||
    (!NOT_PEOPLE.test(subject.head) && /s$/.test(head.lower) && head.lower !== head.lemma)
  );
}

const VERB_FOR =
  /^(?:pay|wait|look|search|apply|ask|sign|account|plan|ready|time|room|space|register|vote|shop)$/;

function audiencesOf(text: string, acts: Action[]): string[] {
  const out: string[] = [];
  const add = (p: string) => {
    let clean = p.replace(/^(?:the|a|an|our|their|your|all|every)\s+/i, "").trim();
    // A singular group keeps its article: "the front desk can…", never "front desk can…".
    if (clean && !subjectIsPlural(clean) && !/^\p{Lu}/u.test(p)) clean = `the ${clean}`;
    if (clean && !out.some((o) => o.toLowerCase() === clean.toLowerCase())) out.push(clean);
  };
  const tokens = analyse(stripMarkup(text));
  const phrases = nounPhrases(text);
  tokens.forEach((t, i) => {
    if (!/^(?:for|at|targeting)$/.test(t.lower)) return;
    const before = tokens[i - 1];
    if (before && VERB_FOR.test(before.lemma)) return;
    let k = i + 1;
    while (tokens[k] && ["DET", "PRON"].includes(tokens[k]!.pos)) k++;
    const p = phrases.find((ph) => ph.tokens[0] === tokens[k]);
    if (p && isPeopleNoun(p.head) && p.tokens.length <= 4) add(p.text);
  });
  // Whoever does an action in the intake is someone it is for ("pharmacies notify patients").
  for (const a of acts) if (a.subject && isActor(a.subject)) add(a.subject.text);
  return out.slice(0, 3);
}

const INTEGRATION_CUE =
  /\b(?:integrat\w*|connect\w*|sync\w*|link\w*|import\w*|export\w*|pull\w*|push\w*|plugs?\s+into|talks?\s+to|via|through|using|with)\s+(?:with\s+|to\s+|into\s+|from\s+)?(?:the\s+|our\s+|their\s+|an?\s+)?((?:[A-Z][\w&+-]*(?:\.[\w&+-]+)*|[a-z]+[ \t]+API)(?:[ \t]+(?:[A-Z][\w&+-]*|API|Connect|Pay|Payments))*)/g;
const API_PHRASE = /\b((?:[A-Za-z][\w-]*\s+){0,2}API)s?\b/g;
const NOT_A_SYSTEM = /^(?:I|We|They|The|A|An|It|This|Our|Their|My|And|Or)$/;

function integrationsOf(text: string): string[] {
  const out: string[] = [];
  const add = (name: string) => {
    const n = name.trim().replace(/[.,;:]+$/, "");
    if (!n || NOT_A_SYSTEM.test(n) || n.length < 2) return;
    if (!out.some((o) => o.toLowerCase() === n.toLowerCase())) out.push(n);
  };
  for (const m of stripMarkup(text).matchAll(INTEGRATION_CUE)) add(m[1] ?? "");
  for (const m of stripMarkup(text).matchAll(API_PHRASE)) {
    const words = (m[1] ?? "").split(/\s+/);
    // Keep "bank API", "Open Banking API"; drop a leading function word ("the API").
    while (words.length > 1 && /^(?:the|a|an|our|their|its|with|to|via|and|through|using)$/i.test(words[0]!))
      words.shift();
    if (words.length >= 2 && !out.some((o) => o.endsWith("API") || words.join(" ").includes(o)))
      add(words.join(" "));
  }
  // "with" catches people too ("with Anna"): keep names that look like products (known brand shape
  // or an API), not single capitalised words right after a sentence start.
  return out.filter((o) => /API|[A-Z].*[A-Z]|[a-z][A-Z]|\d/.test(o) || /^[A-Z][a-z]+$/.test(o)).slice(0, 5);
}

const PLATFORM =
  /\b(?:offline|without (?:internet|a connection|signal|network)|no (?:internet|signal|connection)|poor (?:signal|connectivity|connection)|low[- ](?:bandwidth|end)|slow (?:connections?|networks?)|older (?:android|iphones?|phones?|devices?|tablets?)|android|ios|iphones?|ipads?|tablets?|desktop|windows|mac(?:os)?|screen readers?|accessib\w*|wcag|gdpr|hipaa|dsgvo|kiosk|smart ?watch\w*|sms only|feature phones?)\b/i;

function platformOf(text: string): string[] {
  const out: string[] = [];
  for (const item of splitItems(stripMarkup(text)).flatMap((s) =>
    s.split(/,\s+|\s+(?:and|but)\s+(?=must|should|has|needs)/),
  )) {
    if (!PLATFORM.test(item)) continue;
    const clause = item.replace(/^(?:and|but|also|it|the app|the product)\s+/i, "").trim();
    if (clause.split(/\s+/).length > 16) {
      const m = PLATFORM.exec(clause);
      const start = Math.max(0, clause.lastIndexOf(" ", Math.max(0, (m?.index ?? 0) - 20)));
      out.push(clause.slice(start, start + 80).trim());
    } else out.push(clause);
  }
  return [...new Set(out)].slice(0, 4);
}

const BUSINESS_VERBS = /^(?:run|own|operate|have)$/;

// Openers that set a sentence in the client's present ("Today riders pay cash", "At the moment
// parents phone the office", "Right now engineers fill in paper sheets"): how things work before
// the product. "Today's schedule" is a thing the product shows, so "today" opens only bare.
const NOW_OPENERS = [
  ["today"],
  ["right", "now"],
  ["at", "the", "moment"],
  ["at", "present"],
  ["at", "the", "minute"],
  ["these", "days"],
  ["until", "now"],
];
// Adverbs that say the same anywhere before the verb ("we currently keep it in Excel").
const NOW_ADVERB = /^(?:currently|presently|nowadays)$/;
// What the client asks for: a wish, a need or a modal ("we want", "agents need", "should see").
const DESIRE_LEMMA = /^(?:want|need|wish|hope|would|should|must|will|shall|'d|’d|'ll|’ll)$/;

/** What contextOf reads from a text, computed once per text. */
interface Context {
  /** Per sentence, the global index where its context part stops. */
  ends: Map<number, number>;
  /** The sentences in which the client introduces themselves. */
  introductions: Set<number>;
  /** The words of "at the moment", "right now" and the like. */
  openers: Set<Token>;
}

const contextCache = new Map<string, Context>();

/**
 * Where each sentence stops saying who the client is or how they work today: the global index of
 * its first token that asks for something (a wish, a need, a modal), or the sentence's end. A
 * sentence that neither opens that way nor introduces the client maps to its first token.
 */
function contextOf(text: string): Context {
  const hit = contextCache.get(text);
  if (hit) return hit;
  const tokens = analyse(stripMarkup(text));
  if (contextCache.size > 64) contextCache.clear();
  const ends = new Map<number, number>();
  const introductions = new Set<number>();
  const openers = new Set<Token>();
  let start = 0;
  while (start < tokens.length) {
    const s = tokens[start]!.sentence;
    let stop = start;
    while (stop < tokens.length && tokens[stop]!.sentence === s) stop++;
    const words = tokens.slice(start, stop);
    const k = words[0]?.pos === "CCONJ" ? 1 : 0;
    const opened = NOW_OPENERS.find(
      (o) =>
        o.every((w, n) => words[k + n]?.lower === w) && !/^['’]s$/.test(words[k + o.length]?.lower ?? ""),
    );
    const opener = opened !== undefined;
    // "…, and at the moment parents phone the office": an opener after a conjunction says when too.
    // A phrase of several words says when wherever it stands ("sold mostly on Facebook at the
    // moment"), so "the moment" is never a thing; a bare "today" only where a clause starts.
    words.forEach((t, n) => {
      const o = NOW_OPENERS.find((w) => w.every((x, m) => words[n + m]?.lower === x));
      const starts = n === k || (n > 0 && ["CCONJ", "PUNCT"].includes(words[n - 1]!.pos));
      if (!o || (o.length === 1 && !starts)) return;
      for (const x of words.slice(n, n + o.length)) openers.add(x);
    });
    // The noun a run of modifiers from `at` ends in: "small lender" → "lender".
    const headFrom = (at: number): Token | undefined => {
      let h: Token | undefined;
      for (let n = at; n < words.length && ["ADJ", "NOUN", "PROPN", "NUM"].includes(words[n]!.pos); n++)
        if (["NOUN", "PROPN"].includes(words[n]!.pos)) h = words[n];
      return h;
    };
    const first = words[k]?.lower ?? "";
    let introduces = false;
    // "We're a small lender that finances motorcycles", "I am a physio in Leeds": the client
    // introducing themselves, unless what they are is the product ("we are a marketplace that …").
    if (
      /^(?:we|i)$/.test(first) &&
      words[k + 1]?.lemma === "be" &&
      /^(?:a|an)$/.test(words[k + 2]?.lower ?? "")
    ) {
      const head = headFrom(k + 3);
      introduces = head !== undefined && !PRODUCT_KIND.test(head.lemma) && !head.filler;
    }
    // "We run a plumbing company with twelve vans", "We have 300 farmers": what they run, or the
    // people they have ("we have an idea: …" and "we have to …" say nothing of the business).
    let v = k + 1;
    while (words[v]?.pos === "ADV") v++;
    const verb = words[v]?.lemma ?? "";
    if (/^(?:we|i)$/.test(first) && BUSINESS_VERBS.test(verb) && words[v + 1]?.lower !== "to") {
      let o = v + 1;
      while (words[o] && ["DET", "NUM"].includes(words[o]!.pos)) o++;
      const owned = headFrom(o);
      if (verb !== "have" || (owned && isPeopleNoun(owned.lemma))) introduces = true;
    }
    // "Our primary school has 400 pupils": the client's organisation by what it is or has.
    if (first === "our") {
      const head = headFrom(k + 1);
      const verb = head ? words[words.indexOf(head) + 1] : undefined;
      if (head && isPeopleNoun(head.lemma) && verb && /^(?:be|have)$/.test(verb.lemma)) introduces = true;
    }
    const today = opener || words.some((t) => NOW_ADVERB.test(t.lower));
    const now = today || introduces;
    let desire = words.findIndex(
      (t) => DESIRE_LEMMA.test(t.lower) || (t.pos === "VERB" && DESIRE_LEMMA.test(t.lemma)),
    );
    // "We're a mid-sized charity and we get ten access requests a month": the introduction ends
    // where a new clause joins it; what follows is the work, unless the sentence is set today.
    if (introduces && !today) {
      const joined = words.findIndex(
        (t, n) =>
          n > k + 2 &&
          (t.pos === "CCONJ" || t.lower === ";" || t.lower === ":") &&
          ["PRON", "DET", "NOUN", "PROPN"].includes(words[n + 1]?.pos ?? ""),
      );
      if (joined >= 0 && (desire < 0 || joined < desire)) desire = joined;
    }
    ends.set(s, now ? start + (desire < 0 ? words.length : desire) : start);
    if (introduces) introductions.add(s);
    start = stop;
  }
  const context = { ends, introductions, openers };
  contextCache.set(text, context);
  return context;
}

/** Whether a token is one of the words that open a sentence on the present ("At the moment"). */
export function opensWithNow(token: Token, text: string): boolean {
  return contextOf(text).openers.has(token);
}

/** Whether a token of `text` says how things are before the product, not what to build. */
export function describesToday(token: Token, text: string): boolean {
  const tokens = analyse(stripMarkup(text));
  const at = tokens.indexOf(token);
  return at >= 0 && at < (contextOf(text).ends.get(token.sentence) ?? 0);
}

/**
 * "We run a small campsite", "We're a small lender that finances motorcycles", "Today riders pay
 * cash to our agent": the client saying what their business is or how it works today, not
 * something the product does. A wish later in the sentence ("…, but we want riders to pay by
 * phone") is what they ask for again.
 */
export function describesBusiness(a: Action, text: string): boolean {
  const tokens = analyse(stripMarkup(text));
  const verb = tokens.find((t) => t.sentence === a.sentence && t.lower === a.verbText);
  // "Right now contracts are signed on paper": what is done to a thing today is work the product
  // takes over, so a passive step of today's process stays a feature; "today riders pay cash", what
  // people do, is the habit it replaces.
  if (verb && describesToday(verb, text) && !(a.passive && !contextOf(text).introductions.has(a.sentence)))
    return true;
  if (a.sentence !== 0 || !BUSINESS_VERBS.test(a.verb)) return false;
  let at = verb ? tokens.indexOf(verb) : -1;
  while (at > 0 && tokens[at - 1]!.pos === "ADV") at--;
  return at > 0 && /^(?:we|i)$/.test(tokens[at - 1]!.lower);
}

export function readIdea(intake: IntakeInput): IdeaReading {
  const text = stripMarkup(intake.idea);
  const language = detectLanguage(text);
  const integrations = integrationsOf(`${intake.idea}\n${intake.goals ?? ""}`);
  // Connecting to a named system is a requirement and a risk, not a user-facing feature.
  const acts =
    language.code === "en"
      ? actions(text, 12).filter(
          (a) =>
            a.object &&
            !PROBLEM_VERBS.test(a.verb) &&
            // "must work on older Android phones" is a platform constraint, not a feature.
            !(/^(?:work|run|load|function)$/.test(a.verb) && PLATFORM.test(a.phrase)) &&
            !/^(?:integrate|connect|sync|link|import|export|pull|push)$/.test(a.verb) &&
            // "We run a small campsite", "I own two salons": the client saying what their business
            // is, not something the product does.
            !describesBusiness(a, text) &&
            // "the money goes into the pot": a thing moving somewhere is what happens, not a task.
            !(a.subject && !isActor(a.subject) && analyse(a.phrase)[1]?.pos === "ADP") &&
            !integrations.some((n) => a.phrase.toLowerCase().includes(n.toLowerCase())),
        )
      : [];
  const concepts = keyConcepts(text, 10);
  const objects: NounPhrase[] = [];
  if (language.code === "en") {
    // What the client has today ("cash", "a book") is context, not a thing the product manages.
    const phrases = nounPhrases(text).filter(
      (p) =>
        !isPeopleNoun(p.head) &&
        !describesToday(p.tokens[0]!, text) &&
        !p.tokens.some((t) => opensWithNow(t, text)),
    );
    // Objects acted on first, then the other things the idea names, in concept order.
    // Objects acted on first (people too: "book vetted walkers"), then the other things it names.
    for (const a of acts) for (const p of [a.object, a.complement?.phrase]) if (p) objects.push(p);
    for (const c of concepts) {
      const p = phrases.find((ph) => ph.head === c.lemma);
      if (p) objects.push(p);
    }
  }
  // A named system ("Stripe") is an integration, not an object users browse.
  const named = new Set(integrations.flatMap((n) => n.toLowerCase().split(/\s+/)));
  const product = language.code === "en" ? productOf(text) : undefined;
  const unique = objects.filter(
    (o, i) =>
      objects.findIndex((x) => x.head === o.head) === i &&
      !named.has(o.head.toLowerCase()) &&
      !isTheProduct(o, { product, actions: acts }),
  );
  return {
    text,
    language,
    concepts,
    actions: acts,
    audiences: language.code === "en" ? audiencesOf(text, acts) : [],
    integrations,
    platform: platformOf(`${intake.idea}\n${intake.goals ?? ""}`),
    objects: unique,
    product,
  };
}
