/**
 * Offline wireframing: a landing screen plus one screen per key feature (up to four), each made of
 * regions from the UI pattern library. The prototyper implements exactly these regions.
 */
import type { SectorProfile } from "../kb.ts";
import type { Brief, Feature, Market, Prd, Region, Screen, Wireframes } from "../schemas.ts";
import {
  type Concept,
  actions,
  analyse,
  keyConcepts,
  mentions,
  sentenceCase,
  stableHash,
  stemWord,
  stemsOf,
  titleCase,
} from "../text/index.ts";
import { featureAction } from "./prd.ts";
import { actorOf, audienceOf, pluralOf } from "./grammar.ts";

const MAX_FEATURE_SCREENS = 4;

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
 * A feature screen is titled for who works on it and what it does: "Landlord: Get the Quotes from
 * the Local Contractors", so the idea's own people and objects name the screens.
 */
function screenTitle(feature: Feature): string {
  const actor = actorOf(feature, "")
    .replace(/^(?:the|a|an)\s+/i, "")
    .trim();
  const name = titleCase(feature.name);
  if (!actor || /^early users$/i.test(actor)) return name;
  const tokens = analyse(actor);
  const last = tokens[tokens.length - 1];
  const singular =
    last && last.lower !== last.lemma && /s$/.test(last.lower)
      ? actor.slice(0, actor.length - last.value.length) + last.lemma
      : actor;
  return `${sentenceCase(singular)}: ${name}`;
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

/** The idea's own objects and people: its key concepts plus the users it names. */
function ideaObjects(brief: Brief): Concept[] {
  const out: Concept[] = keyConcepts(brief.idea, 10);
  for (const u of brief.targetUsers) {
    if (u.source !== "idea") continue;
    const head = analyse(u.name)
      .filter((t) => t.pos === "NOUN" || t.pos === "PROPN")
      .at(-1);
    if (head) out.push({ lemma: head.lemma, phrase: u.name.toLowerCase() });
  }
  const seen = new Set<string>();
  return out.filter((c) => !seen.has(c.lemma) && seen.add(c.lemma));
}

/**
 * Which features get a screen (at most four, in the brief's order): the first (the core action)
 * always, then each feature whose title reaches an object or person of the idea that no chosen
 * title reaches yet, then the rest in order. So a fifth feature about "short clips" wins over a
 * fourth that only repeats "episode".
 */
export function screenFeatures(brief: Brief): Feature[] {
  const all = brief.keyFeatures;
  if (all.length <= MAX_FEATURE_SCREENS) return [...all];
  const concepts = ideaObjects(brief);
  const reach = all.map((f) => concepts.filter((c) => mentions(screenTitle(f), c)));
  const chosen = new Set<number>([0]);
  const covered = new Set(reach[0]!.map((c) => c.lemma));
  while (chosen.size < MAX_FEATURE_SCREENS) {
    let best = -1;
    let gain = 0;
    all.forEach((_, i) => {
      if (chosen.has(i)) return;
      const g = reach[i]!.filter((c) => !covered.has(c.lemma)).length;
      if (g > gain) [best, gain] = [i, g];
    });
    if (best < 0) break;
    chosen.add(best);
    for (const c of reach[best]!) covered.add(c.lemma);
  }
  for (let i = 0; chosen.size < MAX_FEATURE_SCREENS && i < all.length; i++) chosen.add(i);
  return all.filter((_, i) => chosen.has(i));
}

export function draftWireframes(brief: Brief, market: Market, _prd: Prd, sector: SectorProfile): Wireframes {
  const features = screenFeatures(brief);
  const skeleton = [
    { id: "landing", title: "Home" },
    ...features.map((f) => ({ id: f.id === "landing" ? "landing-feature" : f.id, title: screenTitle(f) })),
  ];
  const audience = audienceOf(brief);
  const pricing =
    sector.pricingModels.find((p) => p.name === market.recommendedPricing.model) ?? sector.pricingModels[0];
  const firstProblemSentence = brief.problemStatement.split(/(?<=[.!?])\s+/)[0] ?? brief.problemStatement;

  const landing: Screen = {
    id: "landing",
    title: "Home",
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
      title: screenTitle(feature),
      purpose: `${sentenceCase(feature.description)}`,
      featureId: feature.id,
      regions: [nav(brief, skeleton), ...featureRegions(feature, brief, sector), footer(brief, sector)],
    });
  });
  return { productName: brief.productName, screens };
}
