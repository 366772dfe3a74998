/**
 * Run-time configuration of the pipeline, read from `config.configurable`.
 *
 * The one seam that matters is the DraftingModel: every node asks it for a structured draft
 * (validated against the node's zod schema) and renders the result itself. The offline model is the
 * default; a provider-backed model only has to implement `draft` — typically
 * `chat.withStructuredOutput(request.schema).invoke([system(request.instructions), json(request.input)])`.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";
import { defangUrls } from "./render/escape.ts";
import type { Budget, IntakeInput, ProjectContext, UsageRecord } from "./contracts.ts";
import type { SectorProfile } from "./kb.ts";
import type { RetrievedSource, Retriever } from "./retrieval/retriever.ts";
import type { Gate } from "./quality/report.ts";
import { reviewGatesSchema } from "./review/gates.ts";
import type { Brief, CampaignCopy, Explainer, Market, Okrs, Prd, Wireframes } from "./schemas.ts";

/**
 * What each drafting step receives and must return. The prototyper drafts only on the LLM path: one
 * custom Svelte screen, compiled and repaired in a loop (the offline path uses the proven patterns).
 */
export interface DraftTasks {
  intake_parser: { input: { intake: IntakeInput; sector: SectorProfile }; output: Brief };
  market_mapper: {
    /** `retrieved`: knowledge-base chunks closest to the brief (market_comps and the sector's doc_chunks). */
    input: { brief: Brief; sector: SectorProfile; retrieved: RetrievedSource[] };
    output: Market;
  };
  product_doc_writer: { input: { brief: Brief; market: Market; sector: SectorProfile }; output: Prd };
  wireframer: {
    input: { brief: Brief; market: Market; prd: Prd; sector: SectorProfile };
    output: Wireframes;
  };
  prototyper: {
    input: {
      wireframes: Wireframes;
      screenId: string;
      /** The generated screen using the proven patterns: the contract and a working example. */
      example: string;
      allowedImports: string[];
      /** Compile or safety errors of the previous attempt, when repairing. */
      previousErrors?: string;
    };
    output: { component: string };
  };
  explainer_producer: { input: { brief: Brief; wireframes: Wireframes }; output: Explainer };
  campaign_composer: {
    input: { brief: Brief; prd: Prd; explainer: Explainer; context: ProjectContext; recipientName?: string };
    output: CampaignCopy;
  };
  indication_okrs: { input: { brief: Brief; prd: Prd; sector: SectorProfile }; output: Okrs };
}
export type DraftStep = keyof DraftTasks;

export interface DraftRequest<S extends DraftStep> {
  step: S;
  /** What a language model would be told; the offline model ignores it. */
  instructions: string;
  input: DraftTasks[S]["input"];
  /** The output must satisfy this; providers use it for structured output. */
  schema: z.ZodType<DraftTasks[S]["output"]>;
  /** An operator's send-back comment on this step's last draft; providers put it in the prompt. */
  reviewNotes?: string;
  /** What the run may still spend (spent includes this run's earlier calls); providers check it. */
  budget?: Budget;
  /** Receives one row per provider call, including calls whose draft was rejected and repaired. */
  onUsage?: (record: UsageRecord) => void;
  /** False for code drafts (the custom Svelte screen), whose markup is the point; checked elsewhere. */
  neutralize?: boolean;
  /**
   * The step's relevance gates over a schema-valid draft (quality/relevance.ts). A model that can
   * repair gets the failing gates' reasons back; the offline model cannot and ignores it.
   */
  review?: (draft: DraftTasks[S]["output"]) => Gate[];
}

export interface DraftingModel {
  /** Short id recorded in logs, e.g. "offline" or "openai:gpt-5-mini". */
  readonly id: string;
  /** True when drafts come from the offline model; artifacts then say so. */
  readonly offline: boolean;
  draft<S extends DraftStep>(request: DraftRequest<S>): Promise<DraftTasks[S]["output"]>;
}

const DRAFTING_MODEL_MESSAGE =
  "configurable.draftingModel must implement DraftingModel ({ id: string, offline: boolean, draft(request) })";
const BUDGET_MESSAGE = "configurable.budget must be { limitUsd: number >= 0, spentUsd: number >= 0 }";
const RETRIEVER_MESSAGE = "configurable.retriever must implement Retriever ({ search(query) })";

const draftingModelSchema = z.custom<DraftingModel>(
  (value) =>
    typeof value === "object" &&
    value !== null &&
    typeof (value as DraftingModel).draft === "function" &&
    typeof (value as DraftingModel).id === "string" &&
    typeof (value as DraftingModel).offline === "boolean",
  { message: DRAFTING_MODEL_MESSAGE },
);
const retrieverSchema = z.custom<Retriever>(
  (value) => typeof value === "object" && value !== null && typeof (value as Retriever).search === "function",
  { message: RETRIEVER_MESSAGE },
);
const budgetSchema = z.object(
  {
    limitUsd: z.number({ error: BUDGET_MESSAGE }).finite().min(0, BUDGET_MESSAGE),
    spentUsd: z.number({ error: BUDGET_MESSAGE }).finite().min(0, BUDGET_MESSAGE),
  },
  { error: BUDGET_MESSAGE },
) satisfies z.ZodType<Budget>;

/**
 * What `config.configurable` may carry, passed to the graph (`new StateGraph(State, ConfigurationSchema)`)
 * so LangGraph checks it when a run starts. Loose: LangGraph keeps its own keys there too (thread_id,
 * checkpoint_ns, checkpoint_id, __pregel_*), and callers may add their own.
 */
export const ConfigurationSchema = z.looseObject({
  /** Who writes the drafts. Defaults to the offline drafting model. */
  draftingModel: draftingModelSchema.optional(),
  /** The project's spending limit; absent means unlimited. */
  budget: budgetSchema.optional(),
  /** Where market_mapper looks up sources. Defaults to the embedded store built from the KB. */
  retriever: retrieverSchema.optional(),
  /** Review gates to stop at (review/gates.ts); none unless listed. */
  reviewGates: reviewGatesSchema.optional(),
});

export interface Configuration {
  draftingModel: DraftingModel;
  budget?: Budget;
  retriever?: Retriever;
}

/** Reads the configuration, falling back to defaults; a malformed override is an error, not a fallback. */
export function ensureConfiguration(
  config: LangGraphRunnableConfig | undefined,
  defaults: Configuration,
): Configuration {
  const parsed = ConfigurationSchema.safeParse(config?.configurable ?? {});
  if (!parsed.success) throw new Error(parsed.error.issues[0]?.message ?? "configurable is malformed");
  const { draftingModel, budget, retriever } = parsed.data;
  return {
    draftingModel: draftingModel ?? defaults.draftingModel,
    ...(budget ? { budget } : defaults.budget ? { budget: defaults.budget } : {}),
    ...(retriever ? { retriever } : defaults.retriever ? { retriever: defaults.retriever } : {}),
  };
}

/** Asks the model for a draft and holds it to the step's schema, whoever wrote it. */
export async function requestDraft<S extends DraftStep>(
  model: DraftingModel,
  request: DraftRequest<S>,
): Promise<DraftTasks[S]["output"]> {
  const raw = await model.draft(request);
  const parsed = request.schema.safeParse(request.neutralize === false ? raw : neutralizeDraft(raw));
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("; ");
    throw new Error(`${request.step}: the ${model.id} drafting model returned an invalid draft (${issues})`);
  }
  return parsed.data;
}

/**
 * Draft text is data too: whoever wrote it (a model echoing a hostile intake, or a hostile model),
 * no string may carry markup or a live URL into an artifact. Renderers escape as well; this makes
 * the JSON artifacts and any future renderer safe by construction.
 */
export function neutralizeDraft<T>(value: T): T {
  if (typeof value === "string") {
    const cleaned = defangUrls(
      value
        .replace(/<\/?[a-z!?][^<>]*>?/gi, " ")
        .replace(/[<>]/g, " ")
        // CSS hooks and protocol-relative URLs ("url(//host/x)", "@import") lose their syntax.
        .replace(/\burl\s*\(/gi, "url (")
        .replace(/@import\b/gi, "import")
        .replace(/(^|[\s("'=])\/\/(?=[a-z0-9-])/gi, "$1"),
    )
      .replace(/[ \t]{2,}/g, " ")
      .trim();
    return (cleaned === "" && value.trim() !== "" ? "(removed)" : cleaned) as T;
  }
  if (Array.isArray(value)) return value.map((v) => neutralizeDraft(v)) as T;
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, neutralizeDraft(v)])) as T;
  }
  return value;
}
