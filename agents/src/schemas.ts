/**
 * One zod schema per node output. The offline model's drafts are parsed against them, and a future
 * LLM provider will be asked for structured output against the very same schemas, so a draft from
 * either source is interchangeable downstream.
 */
import { z } from "zod";
import { CAMPAIGN_STEPS, type IntakeInput } from "./contracts.ts";
import { SCREEN_KINDS, getSector, listSectors } from "./kb.ts";

const text = z.string().trim().min(1);
const slug = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "must be a lowercase kebab-case id");

/** Checks an intake at the pipeline's door; the API validates too, this catches direct callers. */
export const intakeInputSchema = z.object({
  email: z.email({ message: "email must be a valid address" }),
  name: z.string().trim().max(200).optional(),
  company: z.string().trim().max(200).optional(),
  sector: z.string().refine((id) => getSector(id) !== undefined, {
    message: `sector must be one of: ${listSectors()
      .map((s) => s.id)
      .join(", ")}`,
  }),
  idea: z
    .string()
    .trim()
    .min(20, "idea must describe the product in at least 20 characters")
    // The API sets the real limit (INTAKE_IDEA_MAX_CHARS); this only stops runaway input.
    .max(100_000, "idea must be at most 100000 characters"),
  goals: z.string().trim().max(3000, "goals must be at most 3000 characters").optional(),
  budget: z.string().trim().max(200, "budget must be at most 200 characters").optional(),
  timeline: z.string().trim().max(200, "timeline must be at most 200 characters").optional(),
}) satisfies z.ZodType<IntakeInput>;

export const featureSchema = z.object({
  id: slug,
  name: text.meta({
    description:
      "A short phrase that reads well: an action on an object of the client's idea, in your own words. No two features say the same thing.",
    examples: ["Offer freed slots to the waitlist"],
  }),
  description: text.meta({
    description: "One sentence on who does what with it, in the idea's terms.",
    examples: [
      "When a patient cancels, the next person on the waitlist gets a text offering the freed slot.",
    ],
  }),
  screen: z.enum(SCREEN_KINDS),
  /** "idea" when the client described it, "kb" when the sector knowledge base suggested it. */
  source: z.enum(["idea", "kb"]).meta({
    description:
      "idea when the client described it, kb when derived from the knowledge base; a kb feature must still be about something the idea names, never filler.",
  }),
  /** The sector feature template it matches, if any (e.g. "Order tracking"). */
  sectorPattern: z.string().optional(),
  keywords: z.array(text),
  /** What users do, as a verb phrase that reads after "to": "fill cancelled slots from a waitlist". */
  action: text.optional(),
});
export type Feature = z.infer<typeof featureSchema>;

export const briefSchema = z.object({
  productName: text.meta({ description: "A short product name that fits the idea.", examples: ["SlotFill"] }),
  company: z.string().optional(),
  sector: z.object({ id: text, name: text }),
  idea: text,
  problemStatement: text.meta({
    description:
      "The client's problem in their terms: who struggles with what today, and what it costs them.",
    examples: ["Small clinics lose income when patients cancel late and the freed slots stay empty."],
  }),
  targetUsers: z
    .array(
      z.object({
        name: text,
        description: text,
        source: z.enum(["idea", "kb"]),
        personaId: z.string().optional(),
      }),
    )
    .min(1),
  keyFeatures: z.array(featureSchema).min(3).max(6).meta({
    description:
      "3-6 features, each tracing to the idea; when the idea names fewer, derive the rest from its own objects (the list, detail, form or dashboard an object implies), never from a generic sector list.",
  }),
  keywords: z.array(z.object({ term: text, score: z.number() })).min(1),
  constraints: z.object({
    budget: z
      .object({
        raw: text,
        currency: z.string().optional(),
        min: z.number().nonnegative().optional(),
        max: z.number().nonnegative().optional(),
      })
      .nullable(),
    timeline: z
      .object({
        raw: text,
        weeks: z.number().int().positive().optional(),
        /** A deadline rather than a duration, e.g. "end of Q3", "before September". */
        deadline: text.optional(),
      })
      .nullable(),
    notes: z.array(text),
    /** Platform constraints the client named ("must work offline", "older Android phones"); always in scope. */
    platform: z
      .array(text)
      .optional()
      .meta({
        description: "Platform constraints the client named; always in scope and in acceptance criteria.",
        examples: [["Works offline", "Older Android phones"]],
      }),
    /** Systems the client named to connect to ("Xero", "the bank API"); each is a requirement and a risk. */
    integrations: z
      .array(text)
      .optional()
      .meta({
        description: "Systems the client named to connect to; each is a requirement and a risk.",
        examples: [["Xero"]],
      }),
  }),
  goals: z
    .array(text)
    .min(1)
    .meta({
      description: "The client's goals; keep every number as written.",
      examples: [["Fill 80% of cancelled slots within a day"]],
    }),
  /** The intake's language; the drafts are in English. */
  language: z.object({ code: text, name: text }).optional(),
  /** The sector the client filed the intake under, the one it reads as, and whether they differ clearly. */
  sectorFit: z
    .object({
      filed: z.object({ id: text, name: text }),
      readsAs: z.object({ id: text, name: text, label: text }),
      mismatch: z.boolean(),
      scores: z.array(z.object({ id: text, score: z.number() })),
    })
    .optional()
    .meta({
      description:
        "The sector filed, the sector the idea reads as, and mismatch true when another sector clearly fits better; say so rather than forcing the filed one.",
    }),
  /** What the intake leaves unclear and the client should answer (no budget, platform, sector...). */
  openQuestions: z
    .array(text)
    .optional()
    .meta({
      description: "What the intake leaves unclear, as questions for the client; never answered by guessing.",
      examples: [
        [
          "What budget should we plan the first version for?",
          "Should the app run on phones, tablets or the web?",
        ],
      ],
    }),
});
export type Brief = z.infer<typeof briefSchema>;

export const sourceSchema = z.object({ id: text, title: text });
export type Source = z.infer<typeof sourceSchema>;

export const marketSchema = z.object({
  sector: z.object({ id: text, name: text, description: text }),
  patterns: z.array(text).min(1),
  comparables: z
    .array(
      z.object({
        name: text,
        positioning: text,
        pricePoint: text,
        strengths: z.array(text),
        weaknesses: z.array(text),
        score: z.number(),
        matchedTerms: z.array(text),
        why: text.meta({ description: "Why this product is close to the idea, in one sentence." }),
        sourceId: text.meta({
          description:
            "This product's knowledge-base source id exactly as given in the retrieved sources; never made up.",
          examples: ["kb:sectors/healthcare/comparables/doctolib"],
        }),
      }),
    )
    .min(3)
    .meta({
      description:
        "The products closest to the idea among the retrieved knowledge-base sources, from any sector; never a product that is not in them.",
    }),
  pricingModels: z.array(z.object({ name: text, description: text, typicalPrice: text })).min(1),
  recommendedPricing: z.object({ model: text, rationale: text }),
  differentiators: z.array(text).min(1),
  sources: z.array(sourceSchema).min(1),
  /** Set by market_mapper, not the model: what retrieval returned and the drafter worked from. */
  retrieval: z
    .array(
      z.object({
        id: text,
        collection: z.enum(["doc_chunks", "code_patterns", "market_comps"]),
        score: z.number(),
        title: text,
      }),
    )
    .optional(),
});
export type Market = z.infer<typeof marketSchema>;

export const prdSchema = z.object({
  title: text,
  summary: text,
  problem: text,
  personas: z.array(z.object({ name: text, role: text, needs: z.array(text) })).min(1),
  competitive: z.object({
    rows: z.array(z.object({ product: text, positioning: text, price: text, gap: text })).min(1),
    ourPosition: text,
  }),
  scope: z.object({ in: z.array(text).min(1), out: z.array(text).min(1) }).meta({
    description:
      "in: what the first version does, including every platform constraint and named integration of the intake; out: what it does not, never a constraint the client named.",
    examples: [{ in: ["Works offline on older Android phones", "Monthly export to Xero"], out: ["iOS app"] }],
  }),
  userStories: z
    .array(
      z.object({
        id: text,
        persona: text,
        want: text,
        benefit: text,
        featureId: slug,
        acceptance: z.array(text).min(2),
      }),
    )
    .min(3)
    .meta({
      description:
        "One story per action of the idea, tied to a feature id, with testable acceptance criteria in the idea's terms.",
      examples: [
        [
          {
            id: "us-1",
            persona: "Front desk",
            want: "to offer a freed slot to the next patient on the waitlist",
            benefit: "cancellations do not leave empty chairs",
            featureId: "offer-freed-slots",
            acceptance: [
              "The offer goes out by text within a minute of the cancellation",
              "The first patient to accept gets the slot",
            ],
          },
        ],
      ],
    }),
  metrics: z.array(z.object({ name: text, definition: text, target: text })).min(2),
  risks: z.array(z.object({ risk: text, mitigation: text })).min(2),
  sources: z.array(sourceSchema).min(1),
  /** Requirement pool (MetaGPT's PRD): each requirement with a P0/P1/P2 priority, traced to a feature or a constraint. */
  requirements: z
    .array(
      z.object({
        id: text,
        priority: z.enum(["P0", "P1", "P2"]),
        requirement: text,
        /** The key feature it implements; absent for a constraint or an integration. */
        featureId: slug.optional(),
        origin: z.enum(["feature", "constraint", "integration"]),
      }),
    )
    .optional()
    .meta({
      description:
        "Requirement pool: every key feature, constraint and named integration as a requirement with priority P0 (must), P1 (should) or P2 (may).",
      examples: [
        [
          {
            id: "R1",
            priority: "P0",
            requirement: "Offer each freed slot to the waitlist by text",
            featureId: "offer-freed-slots",
            origin: "feature",
          },
          { id: "R2", priority: "P0", requirement: "Works offline and syncs later", origin: "constraint" },
        ],
      ],
    }),
  /** What the intake leaves unclear, as questions for the client. */
  openQuestions: z.array(text).optional().meta({
    description:
      "What the intake leaves unclear (no budget, an ambiguous platform, a sector mismatch), as questions.",
  }),
  /** The user flow from the first screen to the core action. */
  userFlow: z
    .array(z.object({ step: z.number().int().positive(), screenId: slug, action: text }))
    .optional()
    .meta({
      description: "The user flow from the first screen to the core action, one step per screen.",
      examples: [
        [
          { step: 1, screenId: "landing", action: "Join the waitlist" },
          { step: 2, screenId: "offers", action: "Accept the freed slot" },
        ],
      ],
    }),
  /** Competitive positioning from the market map, drawn as positioning.svg; x and y run 0 to 1. */
  positioning: z
    .object({
      xAxis: z.object({ label: text, low: text, high: text }),
      yAxis: z.object({ label: text, low: text, high: text }),
      points: z
        .array(
          z.object({
            name: text,
            x: z.number().min(0).max(1),
            y: z.number().min(0).max(1),
            ours: z.boolean(),
          }),
        )
        .min(2),
    })
    .optional(),
});
export type Prd = z.infer<typeof prdSchema>;

/** UI patterns the prototyper can render; each has a Svelte component in agents/kb/ui-patterns/. */
export const UI_PATTERNS = [
  "nav",
  "hero",
  "feature-grid",
  "form",
  "list",
  "pricing",
  "dashboard",
  "footer",
] as const;
export type UiPattern = (typeof UI_PATTERNS)[number];

const region = <P extends UiPattern, D extends z.ZodType>(pattern: P, data: D) =>
  z.object({ id: slug, pattern: z.literal(pattern), label: text, data });

export const regionSchema = z.discriminatedUnion("pattern", [
  region("nav", z.object({ brand: text, items: z.array(z.object({ screenId: slug, label: text })).min(1) })),
  region("hero", z.object({ headline: text, subline: text, cta: z.object({ label: text, screenId: slug }) })),
  region("feature-grid", z.object({ items: z.array(z.object({ title: text, text: text })).min(1) })),
  region(
    "form",
    z.object({
      fields: z
        .array(
          z.object({
            name: slug,
            label: text,
            type: z.enum(["text", "email", "date", "number", "select", "textarea"]),
            options: z.array(text).optional(),
          }),
        )
        .min(1),
      submitLabel: text,
      confirmation: text,
    }),
  ),
  region("list", z.object({ columns: z.array(text).min(1), rows: z.array(z.array(text)).min(1) })),
  region(
    "pricing",
    z.object({ tiers: z.array(z.object({ name: text, price: text, points: z.array(text).min(1) })).min(1) }),
  ),
  region(
    "dashboard",
    z.object({ cards: z.array(z.object({ label: text, value: text, note: text })).min(1) }),
  ),
  region("footer", z.object({ text })),
]);
export type Region = z.infer<typeof regionSchema>;

export const screenSchema = z.object({
  id: slug,
  title: text.meta({
    description:
      "What the user does or sees there, in the idea's terms; never a generic title such as Dashboard alone.",
    examples: ["Offer a freed slot"],
  }),
  purpose: text,
  featureId: slug.optional(),
  regions: z.array(regionSchema).min(2),
});
export type Screen = z.infer<typeof screenSchema>;

export const wireframesSchema = z.object({
  productName: text,
  /** The landing screen and one per key feature: a brief has at most six. */
  screens: z.array(screenSchema).min(3).max(7),
});
export type Wireframes = z.infer<typeof wireframesSchema>;

export const prototypeSchema = z.object({
  entry: text,
  screens: z.array(z.object({ id: slug, title: text, component: text })).min(3),
  components: z.array(text).min(1),
  bytes: z.number().int().positive(),
  /**
   * How it was built: compile attempts of model-written Svelte, and whether the proven pattern
   * screens were used instead (always on the offline path, after N failed repairs on the LLM path).
   */
  build: z
    .object({
      customScreen: z.string().optional(),
      attempts: z.number().int().nonnegative(),
      fallback: z.boolean(),
      errors: z.array(z.string()),
    })
    .optional(),
});
export type Prototype = z.infer<typeof prototypeSchema>;

export const explainerSchema = z.object({
  title: text,
  wordsPerSecond: z.number().positive(),
  totalSeconds: z.number().positive(),
  scenes: z
    .array(
      z.object({
        id: slug,
        screenId: slug,
        caption: text,
        narration: text,
        startSeconds: z.number().nonnegative(),
        durationSeconds: z.number().positive(),
      }),
    )
    .min(3),
});
export type Explainer = z.infer<typeof explainerSchema>;

/** Where a campaign button may point; the renderer turns these into URLs from the project context. */
export const LINK_TARGETS = ["project", "prototype", "calendar"] as const;
export type LinkTarget = (typeof LINK_TARGETS)[number];

/** Email copy as drafted. URLs are deliberately absent: a model never writes a link. */
export const campaignCopySchema = z.object({
  emails: z
    .array(
      z.object({
        step: z.enum(CAMPAIGN_STEPS),
        subject: text.max(120),
        preheader: text.max(160),
        heading: text,
        paragraphs: z.array(text).min(1).meta({
          description:
            "Short paragraphs about the client's idea in its own terms (what it does for whom); never URLs.",
        }),
        cta: z.object({ label: text, target: z.enum(LINK_TARGETS) }),
      }),
    )
    .length(CAMPAIGN_STEPS.length),
});
export type CampaignCopy = z.infer<typeof campaignCopySchema>;

export const campaignSchema = z.object({
  emails: z
    .array(
      z.object({
        step: z.enum(CAMPAIGN_STEPS),
        subject: text,
        preheader: text,
        html: text,
        text: text,
      }),
    )
    .length(CAMPAIGN_STEPS.length),
});

export const okrsSchema = z.object({
  horizonWeeks: z.number().int().positive(),
  objectives: z
    .array(
      z.object({
        id: text,
        title: text,
        keyResults: z
          .array(
            z.object({
              id: text,
              description: text,
              metric: text,
              baseline: z.number(),
              target: z
                .number()
                .meta({ description: "The target; a number the client's goals name is used as written." }),
              unit: text,
              deadline: z.object({ weeksFromKickoff: z.number().int().positive(), label: text }),
            }),
          )
          .min(2),
      }),
    )
    .min(2)
    .max(3),
});
export type Okrs = z.infer<typeof okrsSchema>;
