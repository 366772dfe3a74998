/**
 * Offline wireframing: a landing screen plus one screen per key feature (up to six, the most a
 * brief has), each made of regions from the UI pattern library. The prototyper implements exactly
 * these regions.
 */
import type { SectorProfile } from "../kb.ts";
import type { Brief, Feature, Market, Prd, Region, Screen, Wireframes } from "../schemas.ts";
import {
  actions,
  analyse,
  sentenceCase,
  stableHash,
  stemWord,
  stemsOf,
  withoutQuotedRuns,
} from "../text/index.ts";
import { featureAction } from "./prd.ts";
import { actorOf, audienceOf, pluralOf } from "./grammar.ts";
import { ownWords } from "./rephrase.ts";
import { type IdeaTerm, type Vocabulary, clauseOf, ideaVocabulary, names, unquoted } from "./vocabulary.ts";

/** A long idea has six features and more objects than four screens can name; a prototype of seven screens still reads in a minute. */
const MAX_FEATURE_SCREENS = 6;

type Field = Extract<Region, { pattern: "form" }>["data"]["fields"][number];

const FIELD_RULES: { stems: string[]; fields: Field[] }[] = [
  {
    stems: [
      "book",
      "reserv",
      "reservation",
      "appointment",
      "slot",
      "schedule",
      "viewing",
      "visit",
      "session",
      "class",
      "tour",
      "interview",
      "pickup",
    ],
    fields: [
      { name: "date", label: "Preferred date", type: "date" },
      { name: "time", label: "Time of day", type: "select", options: ["Morning", "Afternoon", "Evening"] },
    ],
  },
  {
    stems: ["pay", "payment", "checkout", "donate", "donation", "invoice", "tip", "amount", "rent", "order"],
    fields: [{ name: "amount", label: "Amount", type: "number" }],
  },
  {
    stems: [
      "upload",
      "photo",
      "document",
      "cv",
      "resume",
      "file",
      "report",
      "issue",
      "repair",
      "maintenance",
    ],
    fields: [{ name: "description", label: "Describe it in a few words", type: "textarea" }],
  },
  {
    stems: ["subscribe", "subscription", "membership", "plan", "tier", "recurring", "monthly"],
    fields: [{ name: "plan", label: "Plan", type: "select", options: ["Monthly", "Yearly"] }],
  },
];

/** The object of a feature: "Fill cancelled slots from a waitlist" → "cancelled slots". */
function objectOf(feature: Feature): { text: string; head: string; plural: boolean } {
  const action = actions(feature.name, 1)[0];
  const phrase = action?.object;
  if (phrase) {
    const head = phrase.tokens[phrase.tokens.length - 1]!;
    return { text: phrase.text, head: head.lemma, plural: head.lower !== head.lemma };
  }
  const nouns = analyse(feature.name).filter((t) => (t.pos === "NOUN" || t.pos === "PROPN") && !t.stop);
  const last = nouns[nouns.length - 1];
  return last
    ? { text: last.lower, head: last.lemma, plural: last.lower !== last.lemma }
    : { text: feature.name.toLowerCase(), head: "item", plural: false };
}

function headNoun(feature: Feature): string {
  const head = objectOf(feature).head;
  return head.charAt(0).toUpperCase() + head.slice(1);
}

/**
 * The person of a phrase, without what only located them in the client's sentence: "month one
 * member" → "member", "open house viewings buyers" → "buyers". Modifiers are kept back from the head
 * up to a number, a determiner or a plural noun ("viewings"), at most three words in all.
 */
function personOf(phrase: string): string {
  const words = phrase.split(/\s+/).filter(Boolean);
  let start = words.length - 1;
  while (start > 0 && words.length - start < 3) {
    const t = analyse(words[start - 1]!)[0];
    if (!t || /\d/.test(t.value) || ["NUM", "DET", "PRON", "ADP", "ADV"].includes(t.pos)) break;
    if (/^(?:today|tomorrow|yesterday|now|currently|then|morning|evening|night|daily|weekly)$/i.test(t.value))
      break;
    if (t.pos === "NOUN" && t.lower !== t.lemma && /s$/.test(t.lower)) break;
    start--;
  }
  return words.slice(start).join(" ");
}

/** "The landlords" → "Landlord": who works on a screen, singular and without an article. */
function singularActor(who: string): string {
  const actor = personOf(who.replace(/^(?:the|a|an)\s+/i, "").trim());
  if (!actor || /^early users$/i.test(actor)) return "";
  const tokens = analyse(actor);
  const last = tokens[tokens.length - 1];
  const singular =
    last && last.lower !== last.lemma && /s$/.test(last.lower)
      ? actor.slice(0, actor.length - last.value.length) + last.lemma
      : actor;
  return sentenceCase(singular);
}

const APPROXIMATE = /^(?:about|around|roughly|nearly|almost|over|some|approx\.?|~)$/i;
const DETERMINER = /^(?:the|a|an)$/i;
const UNIT =
  /^(?:minutes?|hours?|days?|weeks?|months?|years?|times?|kg|kilos?|miles?|km|metres?|meters?|litres?|liters?|%|percent)$/i;
const PREPOSITION = /^(?:from|in|on|at|near|into|to|for|with|by|within|across|via|after|before)$/i;

/**
 * Shorter sayings of a feature that is still the client's sentence: without its counts ("take on
 * about 120 pickers" → "take on pickers"), without articles ("collect from workshop"), then cut
 * before its trailing prepositional phrases, each keeping the verb and at least one more word.
 */
function shorterSayings(name: string): string[] {
  const words = name.split(/\s+/).filter(Boolean);
  const isCount = (w: string, i: number) =>
    /^[~≈]?\d/.test(w) || (APPROXIMATE.test(w) && /^\d/.test(words[i + 1] ?? ""));
  // A count's unit goes with it: "the alert 30 days before" is not "the alert days before".
  const isUnit = (w: string, i: number) => i > 0 && /^\d/.test(words[i - 1]!) && UNIT.test(w);
  const noCount = words.filter((w, i) => !isCount(w, i) && !isUnit(w, i));
  const bases = [
    noCount,
    words.filter((w) => !DETERMINER.test(w)),
    noCount.filter((w) => !DETERMINER.test(w)),
  ];
  const out: string[][] = [...bases];
  for (const base of bases) {
    for (let i = base.length - 1; i >= 2; i--) if (PREPOSITION.test(base[i]!)) out.push(base.slice(0, i));
  }
  return [...new Set(out.filter((w) => w.length >= 2).map((w) => w.join(" ")))];
}

/** What a screen is for, short: "Fill cancelled slots from the waitlist". */
function featureCore(feature: Feature, source: string): string {
  const name = sentenceCase(feature.name);
  if (unquoted(name, source)) return name;
  const own = sentenceCase(ownWords(feature.name, source));
  if (unquoted(own, source)) return own;
  for (const saying of [...shorterSayings(name), ...shorterSayings(own)])
    if (unquoted(saying, source)) return sentenceCase(saying);
  // Still the client's sentence: say the verb and its object only.
  // Only when the object follows the verb: "see how many parcels" is not "see parcels".
  const lower = feature.name.charAt(0).toLowerCase() + feature.name.slice(1);
  const action = actions(`to ${lower}`, 1)[0];
  const bare = (t: string) => t.toLowerCase().replace(/\b(?:the|a|an|each|every)\s+/g, "");
  const said = action?.object ? bare(`${action.verbText} ${action.object.text}`) : "";
  if (!action?.object || !said || !bare(lower).startsWith(said)) return own;
  // The verb with its whole object, then with the object's last words ("post clean-up events").
  const words = action.object.text.split(/\s+/);
  for (let n = words.length; n >= 1; n--) {
    const short = sentenceCase(`${action.verb} ${words.slice(-n).join(" ")}`);
    if (unquoted(short, source)) return short;
  }
  return own;
}

function nav(brief: Brief, screens: { id: string; title: string }[]): Region {
  return {
    id: "nav",
    pattern: "nav",
    label: "Navigation",
    data: { brand: brief.productName, items: screens.map((s) => ({ screenId: s.id, label: s.title })) },
  };
}

function footer(brief: Brief, sector: SectorProfile): Region {
  return {
    id: "footer",
    pattern: "footer",
    label: "Footer",
    data: { text: `${brief.productName} · ${sector.name} · clickable prototype, sample data only` },
  };
}

function formFields(feature: Feature): Field[] {
  const stems = stemsOf(`${feature.name} ${feature.keywords.join(" ")}`);
  const fields: Field[] = [
    { name: "name", label: "Your name", type: "text" },
    { name: "email", label: "Email", type: "email" },
  ];
  const object = objectOf(feature);
  // Only a real object phrase ("vetted walkers") makes a useful field; "in-app" does not.
  if (object.head !== "item") {
    fields.push({ name: "subject", label: `Which ${object.text}?`, type: "text" });
  }
  for (const rule of FIELD_RULES) {
    if (rule.stems.some((s) => stems.has(s) || stems.has(stemWord(s)))) {
      for (const f of rule.fields) if (!fields.some((x) => x.name === f.name)) fields.push(f);
    }
  }
  if (!fields.some((f) => f.type === "textarea")) {
    fields.push({
      name: "notes",
      label: `Anything else we should know?`,
      type: "textarea",
    });
  }
  return fields;
}

function featureRegions(feature: Feature, brief: Brief, sector: SectorProfile): Region[] {
  const seed = stableHash(`${brief.productName}:${feature.id}`);
  const noun = headNoun(feature);
  if (feature.screen === "form") {
    return [
      {
        id: "form",
        pattern: "form",
        label: `Form to ${featureAction(feature)}`,
        data: {
          fields: formFields(feature),
          submitLabel:
            analyse(feature.name)[0]?.pos === "VERB"
              ? sentenceCase(feature.name.split(/\s+/)[0] ?? "Send")
              : "Continue",
          confirmation: `Thanks! In the real product this would ${featureAction(feature)}. This prototype stores nothing.`,
        },
      },
    ];
  }
  if (feature.screen === "dashboard") {
    return [
      {
        id: "metrics",
        pattern: "dashboard",
        label: "Key figures",
        data: {
          // The first card counts the feature's own object; the sector's metrics follow.
          cards: [
            sentenceCase(`${pluralOf(objectOf(feature).head)} this week`),
            ...sector.metrics.slice(0, 2),
          ].map((metric, i) => ({
            label: sentenceCase(metric),
            value: String(((seed >>> (i * 5)) % 90) + 10),
            note: "sample figure",
          })),
        },
      },
      {
        id: "recent",
        pattern: "list",
        label: "Recent activity",
        data: {
          columns: ["Activity", "When"],
          rows: brief.keyFeatures.slice(0, 3).map((f, i) => [f.name, `${i + 1} h ago`]),
        },
      },
    ];
  }
  const details = brief.keywords
    .map((k) => sentenceCase(k.term))
    .filter((t) => !stemsOf(t).has(stemWord(noun.toLowerCase())));
  const statuses = ["Available", "Pending", "Confirmed", "New"];
  return [
    {
      id: "list",
      pattern: "list",
      label: /list$/i.test(noun) ? noun : `${noun} list`,
      data: {
        columns: [noun, "Details", "Status"],
        rows: ["A", "B", "C"].map((letter, i) => [
          `${noun} ${letter}`,
          details[i % Math.max(1, details.length)] ?? feature.description,
          statuses[(seed + i) % statuses.length] ?? "New",
        ]),
      },
    },
  ];
}

/** A feature screen as the wireframes title it: who works there, what they do, what it shows. */
interface ScreenPlan {
  feature: Feature;
  actor: string;
  core: string;
  clause: number;
  /** Terms of the idea the screen shows beside its core, named in the title's gloss. */
  extras: IdeaTerm[];
}

const MAX_EXTRAS = 2;
const MAX_TITLE = 64;

/** The source the titles must not quote: the client's idea and goals. */
const sourceOf = (brief: Brief) => `${brief.idea}\n${brief.goals.join("\n")}`;

function planFor(feature: Feature, brief: Brief, vocabulary: Vocabulary): ScreenPlan {
  const source = sourceOf(brief);
  const core = featureCore(feature, source);
  const clause = clauseOf(vocabulary, `${feature.name} ${feature.action ?? ""}`);
  let actor = singularActor(actorOf(feature, ""));
  if (!actor) {
    // The idea says who does it even when the feature does not: the clause's own person.
    const who = vocabulary.terms.find((t) => t.clause === clause && t.kind === "actor");
    if (who) actor = singularActor(who.phrase);
  }
  // "Drop-off staff: Walk round the van" quotes "drop-off staff walk round the van": the client's
  // sentence again, so the screen goes without its person rather than without its words.
  if (actor && unquoted(core, source) && !unquoted(planTitle({ actor, core, extras: [] }), source))
    actor = "";
  return { feature, actor, core, clause, extras: [] };
}

export function planTitle(plan: Pick<ScreenPlan, "actor" | "core" | "extras">): string {
  const gloss = plan.extras.length ? ` (${plan.extras.map((t) => t.phrase).join(", ")})` : "";
  return `${plan.actor ? `${plan.actor}: ` : ""}${plan.core}${gloss}`;
}

/** The weight of the idea's terms a title names that `covered` does not have yet. */
function gain(title: string, terms: IdeaTerm[], covered: Set<IdeaTerm>): number {
  return terms.filter((t) => !covered.has(t) && names(title, t)).reduce((sum, t) => sum + t.weight, 0);
}

/**
 * Which features get a screen (at most four, in the brief's order): the first (the core action)
 * always, then the one whose title reaches most of what no chosen title reaches yet (the idea's
 * people, objects, named systems), then the rest in order. So a fifth feature about "short clips"
 * wins over a fourth that only repeats "episode".
 */
function choosePlans(brief: Brief, vocabulary: Vocabulary): ScreenPlan[] {
  const plans = brief.keyFeatures.map((f) => planFor(f, brief, vocabulary));
  if (plans.length <= MAX_FEATURE_SCREENS) return plans;
  const terms = vocabulary.terms;
  const covered = new Set<IdeaTerm>();
  const chosen = new Set<number>([0]);
  const cover = (plan: ScreenPlan) =>
    terms.filter((t) => names(planTitle(plan), t)).forEach((t) => covered.add(t));
  cover(plans[0]!);
  while (chosen.size < MAX_FEATURE_SCREENS) {
    let best = -1;
    let most = 0;
    plans.forEach((p, i) => {
      if (chosen.has(i)) return;
      // A screen also brings the terms of the clause it comes from, shown in its gloss.
      const own = gain(planTitle(p), terms, covered);
      const near = terms
        .filter((t) => t.clause === p.clause && t.clause >= 0 && !covered.has(t) && !names(planTitle(p), t))
        .slice(0, MAX_EXTRAS)
        .reduce((sum, t) => sum + t.weight, 0);
      const g = own + near / 2;
      if (g > most) [best, most] = [i, g];
    });
    if (best < 0) break;
    chosen.add(best);
    cover(plans[best]!);
  }
  for (let i = 0; chosen.size < MAX_FEATURE_SCREENS && i < plans.length; i++) chosen.add(i);
  return plans.filter((_, i) => chosen.has(i));
}

/**
 * Each central term of the idea that no title names yet goes into the gloss of the screen it belongs
 * to (the one drafted from the same clause, else the nearest), so the screens together show the
 * idea's people, objects, named systems and constraints. Returns what is left for the home screen.
 */
function glossTerms(plans: ScreenPlan[], vocabulary: Vocabulary, source: string): IdeaTerm[] {
  // What the titles say in their own words: a run quoted from the client does not count.
  const said = () => plans.map((p) => withoutQuotedRuns(planTitle(p), source)).join("\n");
  const central = vocabulary.terms.filter((t) => t.weight > 1 || t.kind !== "thing");
  const fits = (plan: ScreenPlan, term: IdeaTerm) => {
    const next = planTitle({ ...plan, extras: [...plan.extras, term] });
    // A gloss never repeats what its title already says, quoted or not ("See on Monday morning (Monday morning)").
    return (
      next.length <= MAX_TITLE &&
      !names(planTitle(plan), term) &&
      !planTitle(plan).toLowerCase().includes(term.phrase.toLowerCase()) &&
      names(withoutQuotedRuns(next, source), term)
    );
  };
  // First each term on the screen drafted from its own clause, then on the nearest one with room.
  for (const near of [true, false]) {
    for (const term of central) {
      if (names(said(), term)) continue;
      const order = plans
        .filter((p) => p.extras.length < MAX_EXTRAS && (!near || distance(p, term) === 0))
        .sort((x, y) => distance(x, term) - distance(y, term));
      for (const saying of sayings(term)) {
        const home = order.find((p) => fits(p, saying));
        if (home) {
          home.extras.push(saying);
          break;
        }
      }
    }
  }
  return central.filter((t) => !names(said(), t));
}

/** A term as written, or its head word alone when the phrase is the client's words quoted. */
function sayings(term: IdeaTerm): IdeaTerm[] {
  const words = term.phrase.split(/[\s-]+/);
  if (words.length < 2) return [term];
  const head = words[words.length - 1]!;
  return [term, { ...term, phrase: head, stems: [stemWord(head.toLowerCase())] }];
}

const distance = (plan: ScreenPlan, term: IdeaTerm) =>
  term.clause < 0 || plan.clause < 0 ? 99 : Math.abs(plan.clause - term.clause);

/** The feature screens, chosen and titled; also what the home screen's title should name. */
function planScreens(brief: Brief): { plans: ScreenPlan[]; home: IdeaTerm[] } {
  const vocabulary = ideaVocabulary(brief);
  const plans = choosePlans(brief, vocabulary);
  const left = glossTerms(plans, vocabulary, sourceOf(brief));
  const source = sourceOf(brief);
  const home: IdeaTerm[] = [];
  for (const term of left) {
    if (
      home.length < MAX_EXTRAS &&
      unquoted(planTitle({ actor: "", core: "Home", extras: [...home, term] }), source)
    )
      home.push(term);
  }
  return { plans, home };
}

export function screenFeatures(brief: Brief): Feature[] {
  return planScreens(brief).plans.map((p) => p.feature);
}

export function draftWireframes(brief: Brief, market: Market, _prd: Prd, sector: SectorProfile): Wireframes {
  const { plans, home } = planScreens(brief);
  const features = plans.map((p) => p.feature);
  const homeTitle = planTitle({ actor: "", core: "Home", extras: home });
  const skeleton = [
    { id: "landing", title: homeTitle },
    ...plans.map((p) => ({
      id: p.feature.id === "landing" ? "landing-feature" : p.feature.id,
      title: planTitle(p),
    })),
  ];
  const audience = audienceOf(brief);
  const pricing =
    sector.pricingModels.find((p) => p.name === market.recommendedPricing.model) ?? sector.pricingModels[0];
  const firstProblemSentence = brief.problemStatement.split(/(?<=[.!?])\s+/)[0] ?? brief.problemStatement;

  const landing: Screen = {
    id: "landing",
    title: homeTitle,
    purpose: `Explain ${brief.productName} to ${audience} and lead them to the first key feature.`,
    regions: [
      nav(brief, skeleton),
      {
        id: "hero",
        pattern: "hero",
        label: "Hero",
        data: {
          headline: `${features[0]?.name ?? brief.productName} for ${audience}`,
          subline:
            firstProblemSentence.length > 180
              ? `${firstProblemSentence.slice(0, 177)}...`
              : firstProblemSentence,
          cta: {
            label: features[0] ? sentenceCase(features[0].name) : "Explore",
            screenId: skeleton[1]?.id ?? "landing",
          },
        },
      },
      {
        id: "features",
        pattern: "feature-grid",
        label: "Key features",
        data: { items: brief.keyFeatures.map((f) => ({ title: f.name, text: f.description })) },
      },
      {
        id: "pricing",
        pattern: "pricing",
        label: `Pricing (${market.recommendedPricing.model})`,
        data: {
          tiers: [
            {
              name: "Starter",
              price: "Free to try",
              points: brief.keyFeatures.slice(0, 2).map((f) => f.name),
            },
            {
              name: "Pro",
              price: pricing?.typicalPrice ?? "on request",
              points: brief.keyFeatures.map((f) => f.name),
            },
            {
              name: "Business",
              price: "Talk to us",
              points: ["Everything in Pro", "Onboarding for your team"],
            },
          ],
        },
      },
      footer(brief, sector),
    ],
  };

  const screens: Screen[] = [landing];
  features.forEach((feature, i) => {
    const id = skeleton[i + 1]?.id ?? feature.id;
    screens.push({
      id,
      title: skeleton[i + 1]?.title ?? feature.name,
      purpose: `${sentenceCase(feature.description)}`,
      featureId: feature.id,
      regions: [nav(brief, skeleton), ...featureRegions(feature, brief, sector), footer(brief, sector)],
    });
  });
  return { productName: brief.productName, screens };
}
