/**
 * Offline intake parsing: from free text to a brief the later steps can build on. Features come
 * from the idea's own actions and objects; the knowledge base only names a matching sector pattern.
 */
import type { IntakeInput } from "../contracts.ts";
import type { FeatureTemplate, Persona, SectorProfile } from "../kb.ts";
import type { Brief, Feature } from "../schemas.ts";
import {
  type Action,
  type NounPhrase,
  actions as actionsOf,
  analyse,
  englishCognate,
  foreignNounPhrases,
  isForeignAdjective,
  isForeignVerbForm,
  joinList,
  nounPhrases,
  parseBudget,
  parseTimeline,
  pick,
  sentenceCase,
  slugify,
  splitItems,
  stableHash,
  stemWord,
  stemsOf,
  stripMarkup,
  tokenize,
} from "../text/index.ts";
import {
  type IdeaReading,
  describesBusiness,
  describesToday,
  opensWithNow,
  isActor,
  isPeopleNoun,
  isTheProduct,
  readIdea,
} from "./idea.ts";
import { sectorFit, sectorLabel } from "./sectorFit.ts";
import { agree, isPlural, pluralOf } from "./grammar.ts";
import { ownWords } from "./rephrase.ts";
import { coverIdea } from "./coverage.ts";
import { counterpartsOf } from "./counterparts.ts";
import { clientText, namedConstraints } from "../quality/relevance.ts";

const MIN_FEATURES = 3;
const MAX_FEATURES = 6;
// Implied counterparts stay a minority beside what the client wrote.
const MAX_COUNTERPARTS = 3;
// One sentence of the kind "Book a dog walker by the half hour and pay after the walk".
const SHORT_IDEA_WORDS = 25;
const MAX_NAME_WORDS = 11;
const PROBLEM_CUES =
  /\b(?:struggl\w*|hard|difficult|waste\w*|can'?t|cannot|no way|too (?:much|many|slow|expensive)|problem\w*|pain\w*|expensive|slow|manual\w*|frustrat\w*|miss\w*|lose|losing|lack\w*|nobody|stuck|tedious|costly)\b/i;
const NAME_SUFFIXES = ["Hub", "Loop", "Desk", "Base", "Pilot", "Nest", "Flow", "Go"];

// What screen an action implies. A mapping from intent to screen archetype, not a verb detector:
// the verbs themselves come from the tagger.
const FORM_INTENT =
  /^(?:add|apply|book|buy|create|donate|file|invite|join|order|pay|post|publish|quote|rate|register|rent|request|reserve|send|set|sign|submit|subscribe|upload|write|message|tip|claim|invoice|schedule|edit|record|fill|pick|report|log|draft|offer|confirm|approve|assign|enter|answer|ask|note|scan)$/;
const DASHBOARD_INTENT =
  /^(?:analyse|analyze|measure|monitor|track|calculate|compare|forecast|chart|audit|review)$/;

const BOOKING = /^(?:book|reserve|rent|hire)$/;

function screenFor(verb: string): Feature["screen"] {
  if (DASHBOARD_INTENT.test(verb)) return "dashboard";
  if (FORM_INTENT.test(verb)) return "form";
  return "list";
}

function templateHits(stems: Set<string>, template: FeatureTemplate): string[] {
  return template.keywords.filter((k) => {
    const words = tokenize(k).map(stemWord);
    return words.length > 0 && words.every((w) => stems.has(w));
  });
}

function bestTemplate(
  stems: Set<string>,
  sector: SectorProfile,
): { template: FeatureTemplate; hits: string[] } | undefined {
  let best: { template: FeatureTemplate; hits: string[] } | undefined;
  for (const template of sector.features) {
    const hits = templateHits(stems, template);
    if (hits.length > (best?.hits.length ?? 0)) best = { template, hits };
  }
  return best;
}

/** The action as a feature name: whole, or cut back to verb, object and first complement. */
function shortPhrase(a: Action): string {
  const words = a.phrase.split(/\s+/);
  if (words.length <= MAX_NAME_WORDS) return a.phrase;
  return [
    a.verb,
    a.object?.text ?? "",
    a.complement ? `${a.complement.preposition} ${a.complement.phrase.text}` : "",
  ]
    .join(" ")
    .replace(/\s+/g, " ")
    .trim();
}

function contentStems(text: string): Set<string> {
  return new Set(
    analyse(text)
      .filter((t) => !t.stop && /\p{L}/u.test(t.value))
      .map((t) => t.stem),
  );
}

/** No two features say the same thing: a feature whose content words another covers is dropped. */
function sameThing(a: string, b: string): boolean {
  const sa = contentStems(a);
  const sb = contentStems(b);
  if (sa.size === 0 || sb.size === 0) return false;
  const aInB = [...sa].every((s) => sb.has(s));
  const bInA = [...sb].every((s) => sa.has(s));
  return aInB || bInA;
}

/** Whether the idea counts the object ("a slot", "slots") rather than treating it as a mass ("yoga"). */
function countable(object: NounPhrase, text: string): boolean {
  const head = object.tokens[object.tokens.length - 1]!;
  if (isPlural(head)) return true;
  const lower = text.toLowerCase();
  if (lower.includes(pluralOf(head.lemma))) return true;
  return new RegExp(`\\b(?:a|an|each|every|one|per)\\s+(?:[\\p{L}-]+\\s+){0,2}${head.lower}\\b`, "u").test(
    lower,
  );
}

/** Features the object implies when the idea names fewer than three actions. */
function impliedFeatures(object: NounPhrase, text: string): { name: string; screen: Feature["screen"] }[] {
  const noun = object.text;
  const head = object.tokens[object.tokens.length - 1]!;
  const plural = isPlural(head) ? noun : pluralOf(noun);
  const singular = isPlural(head) ? noun.replace(new RegExp(`${head.lower}$`), head.lemma) : noun;
  // A name ("Xero", "Google Sheets") keeps its capitals and takes no article or plural.
  const name = object.tokens.every((t) => t.pos === "PROPN" && /^\p{Lu}/u.test(t.value));
  if (name) {
    const written = object.tokens.map((t) => t.value).join(" ");
    return [
      { name: `Explore ${written}`, screen: "list" },
      { name: `Add notes on ${written}`, screen: "form" },
      { name: `Track progress in ${written}`, screen: "dashboard" },
    ];
  }
  if (!countable(object, text)) {
    // One thing the client names with "the" ("the lake", "the child's savings pot") keeps it.
    const head = object.tokens[object.tokens.length - 1]!.lower.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const the =
      object.tokens.some((t) => /^['’]s$/.test(t.lower)) ||
      new RegExp(`\\bthe\\s+(?:[\\p{L}'’-]+\\s+){0,3}${head}\\b`, "iu").test(text);
    const thing = the ? `the ${noun}` : noun;
    return [
      { name: `Explore ${thing}`, screen: "list" },
      { name: `Add notes on ${thing}`, screen: "form" },
      { name: `Track progress in ${thing}`, screen: "dashboard" },
    ];
  }
  // A waitlist, a calendar or a map is one thing users manage, not a list of them.
  const collection =
    /(?:^list|waitlist|checklist|playlist|queue|calendar|schedule|map|feed|inbox|board|rota|roster|diary|^log|register)$/.test(
      head.lemma,
    );
  return collection
    ? [
        { name: `Manage the ${singular}`, screen: "list" },
        { name: `Add an entry to the ${singular}`, screen: "form" },
        { name: `See the ${singular} at a glance`, screen: "dashboard" },
      ]
    : [
        { name: `Browse ${plural}`, screen: "list" },
        { name: `Add ${/^[aeiou]/i.test(singular) ? "an" : "a"} ${singular}`, screen: "form" },
        { name: `Track ${plural} at a glance`, screen: "dashboard" },
      ];
}

// A one-word "object" the tagger misread in "picks one", "track the stock", "rent out gear".
function readsAsVerb(object: NounPhrase, text: string): boolean {
  if (object.tokens.length !== 1) return false;
  const word = object.tokens[0]!.lower.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`\\b${word}\\s+(?:the|a|an|one|out|up|each|every|its|their|his|her|our)\\b`, "iu").test(
    text,
  );
}

/**
 * "the desk sees who has not answered", "clients send their idea": the verb has an object the
 * reader could not take (a clause, a filler noun), so the verb alone ("See") is no feature.
 */
function leavesObjectOut(a: Action, text: string): boolean {
  const tokens = analyse(text);
  const at = tokens.findIndex((t) => t.sentence === a.sentence && t.lower === a.verbText);
  const next = tokens[at + 1];
  if (at < 0 || !next || next.sentence !== a.sentence) return false;
  return (
    ["DET", "PRON", "NOUN", "PROPN", "NUM"].includes(next.pos) ||
    /^(?:who|what|which|where|whether|how)$/.test(next.lower)
  );
}

function deriveFeatures(reading: IdeaReading, sector: SectorProfile, actor: string): Feature[] {
  const features: Feature[] = [];
  const ids = new Set<string>();
  const add = (name: string, f: Omit<Feature, "id" | "name">): void => {
    if (features.some((x) => sameThing(x.name, name))) return;
    let id = slugify(name, 32);
    for (let n = 2; ids.has(id); n++) id = `${slugify(name, 29)}-${n}`;
    ids.add(id);
    features.push({ id, name, ...f });
  };

  let lastWho: { sentence: number; who: string } | undefined;
  for (const a of reading.actions) {
    if (features.length >= MAX_FEATURES) break;
    const phrase = ownWords(shortPhrase(a), reading.text);
    const stems = stemsOf(phrase);
    const best = bestTemplate(stems, sector);
    const named = a.subject && isActor(a.subject) ? a.subject.text.toLowerCase() : undefined;
    // "The front desk sees …, offers … and confirms …": coordinated verbs share the subject.
    const who = named
      ? (reading.audiences.find((p) => p.toLowerCase().endsWith(named)) ?? named)
      : lastWho?.sentence === a.sentence && !a.passive
        ? lastWho.who
        : actor;
    lastWho = { sentence: a.sentence, who };
    add(sentenceCase(phrase), {
      action: phrase,
      description: `${sentenceCase(who)} can ${phrase}.`,
      screen: screenFor(a.verb),
      source: "idea",
      ...(best ? { sectorPattern: best.template.name } : {}),
      keywords: [
        ...new Set(
          analyse(phrase)
            .filter((t) => !t.stop && /\p{L}/u.test(t.value))
            .map((t) => t.lemma),
        ),
      ],
    });
  }

  // A thing booked by the hour or the night is looked up by when it is free: booking implies availability.
  for (const a of reading.actions) {
    if (features.length >= MIN_FEATURES) break;
    if (!BOOKING.test(a.verb) || !a.object || isPeopleNoun(a.object.head)) continue;
    const name = `See when the ${a.object.text} ${isPlural(a.object.tokens[a.object.tokens.length - 1]!) ? "are" : "is"} available`;
    add(name, {
      action: name.charAt(0).toLowerCase() + name.slice(1),
      description: `${sentenceCase(actor)} can ${name.toLowerCase()}.`,
      screen: "list",
      source: "idea",
      keywords: [a.object.head, "availability"],
    });
  }
  // Fewer than three actions: what the named actions and things plainly imply comes first (a
  // booking is confirmed or cancelled, a payment gets a receipt), before generic views of objects.
  // Only a short idea: a long one that names few actions still names many things, and the plan
  // must carry those before anything it implies.
  const short = reading.text.split(/\s+/).length <= SHORT_IDEA_WORDS;
  if (reading.language.code === "en" && short && reading.actions.length < MIN_FEATURES) {
    for (const c of counterpartsOf(reading.text, MAX_COUNTERPARTS)) {
      if (features.length >= MAX_FEATURES) break;
      add(c.name, {
        action: c.action,
        description: `${sentenceCase(c.who ?? actor)} can ${c.action}.`,
        screen: c.screen,
        source: "idea",
        keywords: c.keywords,
      });
    }
  }
  // Fewer than three actions: the idea's own objects imply the rest (list, form, dashboard).
  const objects = reading.objects.filter((o) => !isPeopleNoun(o.head));
  const uses = new Map<NounPhrase, number>();
  for (let step = 0; features.length < MIN_FEATURES && step < objects.length * 3; step++) {
    {
      const object = objects[step % objects.length]!;
      const round = uses.get(object) ?? 0;
      uses.set(object, round + 1);
      // Each object first gives its list; a second pass gives forms, a third dashboards.
      const implied = impliedFeatures(object, reading.text)[round];
      if (!implied) continue;
      const stems = stemsOf(implied.name);
      const best = bestTemplate(stems, sector);
      add(implied.name, {
        action: implied.name.charAt(0).toLowerCase() + implied.name.slice(1),
        description: `${sentenceCase(actor)} can ${implied.name.charAt(0).toLowerCase()}${implied.name.slice(1)}.`,
        screen: implied.screen,
        source: "idea",
        ...(best ? { sectorPattern: best.template.name } : {}),
        keywords: [object.head],
      });
    }
  }
  // Every object the idea names gets a feature of its own when no action covers it yet ("photos",
  // "quotes"): the client should find each of their things somewhere in the plan.
  for (const object of objects) {
    if (features.length >= MAX_FEATURES) break;
    if (readsAsVerb(object, reading.text)) continue;
    const head = stemWord(object.head);
    if (features.some((f) => stemsOf(`${f.name} ${f.description}`).has(head))) continue;
    const implied = impliedFeatures(object, reading.text)[0];
    if (!implied) continue;
    const best = bestTemplate(stemsOf(implied.name), sector);
    add(implied.name, {
      action: implied.name.charAt(0).toLowerCase() + implied.name.slice(1),
      description: `${sentenceCase(actor)} can ${implied.name.charAt(0).toLowerCase()}${implied.name.slice(1)}.`,
      screen: implied.screen,
      source: "idea",
      ...(best ? { sectorPattern: best.template.name } : {}),
      keywords: [object.head],
    });
  }
  // Key concepts still unnamed (people in a passive, "a weekly digest", "expiry date") get theirs.
  const phrases = reading.language.code === "en" ? nounPhrases(reading.text) : [];
  for (const c of reading.concepts) {
    if (features.length >= MAX_FEATURES) break;
    if (features.some((f) => stemsOf(`${f.name} ${f.description}`).has(stemWord(c.lemma)))) continue;
    // A thing named only in how the client works today ("a book", "cash") is no feature.
    const np = phrases.find(
      (p) =>
        p.head === c.lemma &&
        p.tokens.every((t) => !t.stop || t.pos === "ADJ") &&
        !describesToday(p.tokens[0]!, reading.text) &&
        !p.tokens.some((t) => opensWithNow(t, reading.text)),
    );
    if (!np || readsAsVerb(np, reading.text) || np.tokens.length > 3) continue;
    // The product itself ("a scheduling assistant for …") is what is built, not a thing to browse.
    if (isTheProduct(np, reading)) continue;
    const head = np.tokens[np.tokens.length - 1]!;
    // "editors moderate comments" is a clause the tagger read as one phrase, not a thing.
    if (head.pos !== "NOUN" || np.tokens.slice(0, -1).some((t) => t.pos === "NOUN" && isPlural(t))) continue;
    if (isPeopleNoun(np.head)) {
      const people = isPlural(head) ? np.text : pluralOf(np.text);
      // "subscribers can comment": what the idea says these people do, even with no object, is
      // their feature; an invitation is only the fallback when the idea gives them no verb.
      const own = actionsOf(reading.text, 16).find(
        (a) =>
          !a.object &&
          a.subject?.head === np.head &&
          a.phrase.split(/\s+/).length <= 6 &&
          !describesBusiness(a, reading.text) &&
          !leavesObjectOut(a, reading.text),
      );
      if (own) {
        add(sentenceCase(own.phrase), {
          action: own.phrase,
          description: `${sentenceCase(people)} can ${own.phrase}.`,
          screen: screenFor(own.verb),
          source: "idea",
          keywords: [np.head, own.verb],
        });
        continue;
      }
      // The people the product is for do not invite themselves ("Families can invite families").
      if (stemsOf(actor).has(stemWord(np.head))) continue;
      add(`Invite ${people}`, {
        action: `invite ${people}`,
        description: `${sentenceCase(actor)} can invite ${people} and give them their own view.`,
        screen: "form",
        source: "idea",
        keywords: [np.head],
      });
      continue;
    }
    const implied = impliedFeatures(np, reading.text)[0];
    if (!implied) continue;
    add(implied.name, {
      action: implied.name.charAt(0).toLowerCase() + implied.name.slice(1),
      description: `${sentenceCase(actor)} can ${implied.name.charAt(0).toLowerCase()}${implied.name.slice(1)}.`,
      screen: implied.screen,
      source: "idea",
      keywords: [np.head],
    });
  }
  // An idea with no object the tagger can read (or not in English): the client's own key words,
  // as written, name the features.
  const kinds = [
    { verb: "Manage", screen: "list" },
    { verb: "Record", screen: "form" },
    { verb: "See an overview of", screen: "dashboard" },
  ] as const;
  // Not in English, the English tagger reads no objects: the language's own noun phrases, found
  // after their determiners, name the features, the things acted on first. The English verb is the
  // cognate of the client's verb when there is one ("réservent" → reserve), else the screen's.
  const foreign = reading.language.code !== "en";
  const wanted = foreign ? MAX_FEATURES - 1 : MIN_FEATURES;
  const ownPhrases = foreign ? foreignNounPhrases(reading.text, reading.language.code) : [];
  // Whoever does an action ("les élèves réservent") is an actor, not a thing to manage.
  const singular = (w: string) => w.toLowerCase().replace(/(?:s|en|e|n|i)$/, "");
  const actors = new Set(ownPhrases.filter((p) => p.role === "subject").map((p) => singular(p.head)));
  if (foreign) {
    // The client's most used words (their key concepts) first, what a verb acts on next.
    const key = new Set(reading.concepts.map((c) => c.lemma.toLowerCase()));
    const weight = (p: (typeof ownPhrases)[number]) =>
      (key.has(p.head.toLowerCase()) ? 2 : 0) + (p.verb ? 1 : 0);
    const ranked = ownPhrases
      .filter(
        (p) =>
          p.role === "object" &&
          // "par téléphone", "mit dem Handy", "ins Tablet" name the means or the place, no feature.
          !p.preposition &&
          !actors.has(singular(p.head)) &&
          !analyse(p.head)[0]?.filler,
      )
      .map((p, order) => ({ p, order, cognate: p.verb ? englishCognate(p.verb) : undefined }))
      .sort((a, b) => weight(b.p) - weight(a.p) || a.order - b.order);
    for (const { p, cognate } of ranked) {
      if (features.length >= wanted) break;
      if (features.some((f) => f.keywords?.includes(p.head.toLowerCase()))) continue;
      const kind = kinds[features.length % kinds.length]!;
      const verb = cognate ? sentenceCase(cognate) : kind.verb;
      add(`${verb} ${p.text}`, {
        action: `${verb.toLowerCase()} ${p.text}`,
        description: `${sentenceCase(actor)} can ${verb.toLowerCase()} ${p.text}.`,
        screen: cognate ? screenFor(cognate) : kind.screen,
        source: "idea",
        keywords: [p.head.toLowerCase()],
      });
    }
  }
  // A word the phrase reader found after a determiner is a noun of the client's ("les heures de
  // conduite"); the client's other frequent words come after those.
  const holds = (p: (typeof ownPhrases)[number], w: string) =>
    p.text
      .toLowerCase()
      .split(/[\s'’]+/)
      .includes(w.toLowerCase());
  const inPhrase = (w: string) =>
    ownPhrases.some((p) => p.role === "object" && !p.preposition && holds(p, w));
  // "per Zettel im Briefkasten", "depuis leur téléphone": the means or the place, never a feature.
  const means = (w: string) => !inPhrase(w) && ownPhrases.some((p) => p.preposition && holds(p, w));
  for (const strict of foreign && ownPhrases.length ? [true, false] : [false]) {
    for (const c of reading.concepts) {
      if (features.length >= wanted) break;
      const kind = kinds[features.length % kinds.length]!;
      // French elides its articles into the noun: "d'apprentissage" names "apprentissage".
      const written = (new RegExp(`\\b${c.phrase}\\b`, "iu").exec(reading.text)?.[0] ?? c.phrase).replace(
        /^(?:[dlmnst]|qu)['’]/i,
        "",
      );
      const code = reading.language.code;
      if ((strict && !inPhrase(written)) || means(written)) continue;
      // A feature names a thing: never a verb form ("réservent", "eligiendo") or an adjective
      // ("numérique", "jaarlijkse") of the client's language after an English verb.
      if (
        foreign &&
        (isForeignVerbForm(written, code, !inPhrase(written)) ||
          isForeignAdjective(written, code) ||
          actors.has(singular(written)))
      )
        continue;
      // "conduite" is already said by "Reserve heures de conduite".
      const said = (f: Feature) =>
        f.keywords?.includes(c.lemma) ||
        f.name
          .toLowerCase()
          .split(/[\s'’]+/)
          .includes(written.toLowerCase());
      if (foreign && features.some(said)) continue;
      const name = `${kind.verb} ${written}`;
      add(name, {
        action: `${kind.verb.toLowerCase()} ${written}`,
        description: `${sentenceCase(actor)} can ${kind.verb.toLowerCase()} ${written}.`,
        screen: kind.screen,
        source: "idea",
        keywords: [c.lemma],
      });
    }
  }
  return features;
}

function personaHits(stems: Set<string>, persona: Persona): number {
  return persona.keywords.filter((k) => tokenize(k).every((w) => stems.has(stemWord(w)))).length;
}

function deriveUsers(reading: IdeaReading, sector: SectorProfile): Brief["targetUsers"] {
  const stems = stemsOf(reading.text);
  const users: Brief["targetUsers"] = [];
  for (const phrase of reading.audiences) {
    const match = sector.personas
      .map((persona) => ({ persona, hits: personaHits(stemsOf(phrase), persona) }))
      .sort((a, b) => b.hits - a.hits)[0];
    users.push({
      name: sentenceCase(phrase),
      description: match?.hits
        ? `Named in the intake; the closest sector persona is the ${match.persona.name.toLowerCase()} (${match.persona.role.charAt(0).toLowerCase()}${match.persona.role.slice(1)}).`
        : "Named in the intake as the people the product is for.",
      source: "idea",
      ...(match?.hits ? { personaId: match.persona.id } : {}),
    });
  }
  // A sector persona joins only when the idea matches it; it never fills a quota.
  const claimed = new Set(users.map((u) => u.personaId));
  const ranked = sector.personas
    .map((persona, order) => ({ persona, order, hits: personaHits(stems, persona) }))
    .filter((r) => r.hits > 0 && !claimed.has(r.persona.id))
    .sort((a, b) => b.hits - a.hits || a.order - b.order);
  for (const { persona } of ranked) {
    if (users.length >= 3) break;
    users.push({
      name: persona.name,
      description: `${persona.role}. What they need: ${persona.needs.join("; ")}.`,
      source: "kb",
      personaId: persona.id,
    });
  }
  if (users.length === 0) {
    users.push({
      name: "Early users",
      description: "The intake names no audience; the first interviews decide who the product is for.",
      source: "idea",
    });
  }
  return users;
}

function productName(intake: IntakeInput, reading: IdeaReading): string {
  const suffix = pick(NAME_SUFFIXES, stableHash(intake.idea));
  // The idea's most important thing users work with names the product ("SlotPilot").
  const heads = new Set(reading.objects.map((o) => o.head));
  const word =
    reading.concepts.find((c) => heads.has(c.lemma) && /^\p{L}{3,}$/u.test(c.lemma))?.lemma ??
    reading.objects.find((o) => /^\p{L}{3,}$/u.test(o.head))?.head ??
    reading.concepts.find((c) => /^\p{L}{3,}$/u.test(c.lemma))?.lemma;
  if (word) return `${word.charAt(0).toUpperCase()}${word.slice(1)}${suffix}`;
  return `${intake.company?.trim() || "Venture"} ${suffix}`;
}

function problemStatement(reading: IdeaReading, audience: string, features: Feature[]): string {
  const sentences = reading.text
    .split(/(?<=[.!?])\s+/)
    .map((s) => s.trim())
    .filter((s) => PROBLEM_CUES.test(s));
  if (sentences.length && reading.language.code === "en") return sentences.slice(0, 2).join(" ");
  const jobs = joinList(features.slice(0, 2).map((f) => f.name.charAt(0).toLowerCase() + f.name.slice(1)));
  const who = sentenceCase(audience);
  return `${who} ${agree(audience, "has", "have")} no simple, dedicated way to ${jobs}; today ${agree(audience, "it patches", "they patch")} it together with general-purpose tools.`;
}

function goals(
  intake: IntakeInput,
  sector: SectorProfile,
  product: string,
  weeks: number | undefined,
): string[] {
  const given = intake.goals ? splitItems(stripMarkup(intake.goals)).slice(0, 5) : [];
  if (given.length) return given.map(sentenceCase);
  return [
    `Validate that the target users want ${product}, measured by ${sector.metrics[0]}`,
    `Launch a first usable version${weeks ? ` within ${weeks} weeks` : ""}`,
    `Learn which key feature drives ${sector.metrics[1] ?? sector.metrics[0]}`,
  ];
}

const PLATFORM_NAMED =
  /\b(?:web|browser|mobile|app store|ios|android|iphone|desktop|tablet|ipad|windows|mac|sms|whatsapp|kiosk|offline)\b/i;

function openQuestions(
  intake: IntakeInput,
  reading: IdeaReading,
  brief: Pick<Brief, "constraints">,
  fit: ReturnType<typeof sectorFit>,
  usedObjects: boolean,
): string[] {
  const q: string[] = [];
  const budget = brief.constraints.budget;
  const timeline = brief.constraints.timeline;
  if (!budget) q.push("What budget is available for the first release?");
  else if (budget.max === undefined)
    q.push(`The budget "${budget.raw}" is not an amount we can read: what is the figure?`);
  if (!timeline) q.push("When does the first release need to be live?");
  else if (timeline.weeks === undefined && timeline.deadline)
    q.push(
      `The timeline is a deadline (${timeline.deadline}): when can work start, so it becomes a number of weeks?`,
    );
  else if (timeline.weeks === undefined)
    q.push(`The timeline "${timeline.raw}" has no duration or date: what is the target?`);
  if (!PLATFORM_NAMED.test(`${intake.idea} ${intake.goals ?? ""}`))
    q.push("Which platform comes first: a web app, a mobile app, or both?");
  if (fit.mismatch)
    q.push(
      `The intake was filed under ${fit.filed.sector.name} but reads as ${sectorLabel(fit.best)}: which market should the plan address?`,
    );
  if (reading.audiences.length === 0) q.push("Who exactly will use the product day to day?");
  if (usedObjects)
    q.push("The intake names few actions: which task must users be able to do in the first release?");
  for (const name of reading.integrations)
    q.push(`Which ${name} account, plan and access will the integration use?`);
  if (reading.language.code !== "en")
    q.push(
      `The intake is in ${reading.language.name}: should the product and its copy be in ${reading.language.name}?`,
    );
  if (!intake.goals?.trim()) q.push("Which result would make the first release a success for you?");
  return q;
}

export function draftBrief(intake: IntakeInput, filedSector: SectorProfile): Brief {
  const reading = readIdea(intake);
  const fit = sectorFit(reading, filedSector);
  // The market map, personas and pricing come from the sector that fits; the filed one is noted.
  const sector = fit.best.sector;
  const targetUsers = deriveUsers(reading, sector);
  // KB persona names are singular roles ("Clinic manager"); as the actor of a sentence they are plural.
  const audience =
    reading.audiences[0] ??
    (targetUsers[0]?.source === "kb" ? pluralOf(targetUsers[0].name.toLowerCase()) : undefined) ??
    "early users";
  const keyFeatures = coverIdea(
    deriveFeatures(reading, sector, audience),
    reading,
    clientText(intake),
    namedConstraints(intake),
  );
  const usedObjects = keyFeatures.length > reading.actions.length;
  const budget = intake.budget?.trim() ? parseBudget(intake.budget) : null;
  const timeline = intake.timeline?.trim() ? parseTimeline(intake.timeline) : null;
  const name = productName(intake, reading);

  const notes: string[] = [];
  if (!budget) notes.push("No budget given: the plan assumes a lean MVP and a clickable prototype first.");
  else if (budget.max === undefined)
    notes.push(`Budget "${budget.raw}" could not be read as an amount; confirm it with the client.`);
  else if (budget.max < 10_000)
    notes.push("Budget below 10k: scope stays at prototype and demand validation.");
  if (!timeline) notes.push("No timeline given: milestones assume 12 weeks.");
  else if (timeline.weeks === undefined && timeline.deadline)
    notes.push(
      `Timeline "${timeline.raw}" is a deadline (${timeline.deadline}), not a duration: milestones assume 12 weeks until the start date is agreed.`,
    );
  else if (timeline.weeks === undefined)
    notes.push(`Timeline "${timeline.raw}" could not be read as a duration or a date; confirm a date.`);
  else if (timeline.weeks < 6)
    notes.push("Timeline under 6 weeks: only one key feature can be production-ready.");
  if (fit.mismatch)
    notes.push(
      `Filed under ${fit.filed.sector.name}; reads as ${sectorLabel(fit.best)}. The market map, personas and pricing use ${sector.name}.`,
    );
  if (reading.language.code !== "en")
    notes.push(
      `The intake is in ${reading.language.name}; the drafts are in English and keep the client's own terms.`,
    );

  const constraints: Brief["constraints"] = {
    budget,
    timeline,
    notes,
    ...(reading.platform.length ? { platform: reading.platform } : {}),
    ...(reading.integrations.length ? { integrations: reading.integrations } : {}),
  };
  return {
    productName: name,
    ...(intake.company?.trim() ? { company: intake.company.trim() } : {}),
    sector: { id: sector.id, name: sector.name },
    idea: intake.idea.trim(),
    problemStatement: problemStatement(reading, audience, keyFeatures),
    targetUsers,
    keyFeatures,
    keywords: reading.concepts.length
      ? reading.concepts.map((c, i) => ({ term: c.phrase, score: reading.concepts.length - i }))
      : [{ term: sector.id, score: 0 }],
    constraints,
    goals: goals(intake, sector, name, timeline?.weeks),
    language: { code: reading.language.code, name: reading.language.name },
    sectorFit: {
      filed: { id: fit.filed.sector.id, name: fit.filed.sector.name },
      readsAs: { id: fit.best.sector.id, name: fit.best.sector.name, label: sectorLabel(fit.best) },
      mismatch: fit.mismatch,
      scores: fit.ranking.slice(0, 4).map((r) => ({ id: r.sector.id, score: r.score })),
    },
    openQuestions: openQuestions(intake, reading, { constraints }, fit, usedObjects),
  };
}
