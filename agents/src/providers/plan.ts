/**
 * Reads and checks the drafting model's variables without loading a provider's client: no key
 * and no provider means the offline model; a chosen provider without its key, an unknown provider
 * or an unpriced model is a start-up error naming the variable to set. The API and the worker's
 * main thread check with this at start; env.ts builds the model from the plan where runs execute.
 */
import type { DraftStep } from "../configuration.ts";
import { PRICES, type Price, priceOf } from "./prices.ts";

export type Env = Record<string, string | undefined>;

export const PROVIDERS = ["openai", "anthropic", "openai-compatible", "offline"] as const;
export type Provider = (typeof PROVIDERS)[number];

export const DEFAULT_MODELS: Record<Exclude<Provider, "offline">, string> = {
  openai: "gpt-4.1-mini",
  anthropic: "claude-haiku-4-5",
  "openai-compatible": "llama3.1",
};

const FREE: Price = { inputPerMTok: 0, outputPerMTok: 0 };

function chooseProvider(env: Env): Provider {
  const named = env["AGENCY_LLM_PROVIDER"]?.trim().toLowerCase();
  if (named) {
    if (!(PROVIDERS as readonly string[]).includes(named)) {
      throw new Error(`AGENCY_LLM_PROVIDER must be one of ${PROVIDERS.join(", ")}, got "${named}"`);
    }
    return named as Provider;
  }
  if (env["OPENAI_API_KEY"]) return "openai";
  if (env["ANTHROPIC_API_KEY"]) return "anthropic";
  if (env["AGENCY_LLM_BASE_URL"]) return "openai-compatible";
  return "offline";
}

function priceTable(env: Env): Record<string, Price> {
  const raw = env["AGENCY_LLM_PRICES"];
  if (!raw) return { ...PRICES };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('AGENCY_LLM_PRICES must be JSON like {"my-model":{"inputPerMTok":1,"outputPerMTok":2}}');
  }
  const table: Record<string, Price> = { ...PRICES };
  for (const [model, price] of Object.entries(parsed as Record<string, Partial<Price>>)) {
    if (!Number.isFinite(price?.inputPerMTok) || !Number.isFinite(price?.outputPerMTok)) {
      throw new Error(`AGENCY_LLM_PRICES.${model} needs numeric inputPerMTok and outputPerMTok`);
    }
    table[model] = { inputPerMTok: Number(price.inputPerMTok), outputPerMTok: Number(price.outputPerMTok) };
  }
  return table;
}

function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

/** What the environment asks for, checked; `id` is the model's id as ChatDraftingModel names it. */
export type DraftingPlan =
  | { provider: "offline"; offline: true; id: "offline" }
  | {
      provider: "anthropic";
      offline: false;
      id: string;
      common: ChatCommon;
      apiKey: string;
      baseUrl?: string;
      timeout: number;
    }
  | {
      provider: "openai" | "openai-compatible";
      offline: false;
      id: string;
      common: ChatCommon;
      apiKey: string;
      baseURL?: string;
      timeout: number;
    };

export interface ChatCommon {
  provider: Exclude<Provider, "offline">;
  modelFor(step: DraftStep): string;
  priceFor(model: string): Price;
  /** AGENCY_LLM_MAX_OUTPUT_TOKENS_<STEP>, else AGENCY_LLM_MAX_OUTPUT_TOKENS; 0 when neither is set. */
  maxOutputTokensSetFor(step: DraftStep): number;
  repairs: number;
  retries: number;
}

/** The checked drafting configuration; see agents/README.md for the variables. */
export function draftingPlanFromEnv(env: Env): DraftingPlan {
  const provider = chooseProvider(env);
  if (provider === "offline") return { provider, offline: true, id: "offline" };

  const base = env["AGENCY_LLM_MODEL"]?.trim() || DEFAULT_MODELS[provider];
  const modelFor = (step: DraftStep): string => env[`AGENCY_LLM_MODEL_${step.toUpperCase()}`]?.trim() || base;
  const prices = priceTable(env);
  const models = new Set([
    base,
    ...Object.keys(env)
      .filter((k) => k.startsWith("AGENCY_LLM_MODEL_"))
      .map((k) => env[k]?.trim() ?? ""),
  ]);
  models.delete("");
  if (provider !== "openai-compatible") {
    for (const model of models) {
      if (!priceOf(prices, model)) {
        throw new Error(
          `No price for model "${model}": add it to AGENCY_LLM_PRICES (USD per million tokens), e.g. {"${model}":{"inputPerMTok":1,"outputPerMTok":4}}`,
        );
      }
    }
  }
  // Local servers cost nothing unless priced.
  const priceFor = (model: string): Price => priceOf(prices, model) ?? FREE;
  // Per step by default (reasoning models get room to think, env.ts); one variable caps every
  // step, and AGENCY_LLM_MAX_OUTPUT_TOKENS_<STEP> one step.
  const capAll = positiveInt(env, "AGENCY_LLM_MAX_OUTPUT_TOKENS", 0);
  const maxOutputTokensSetFor = (step: DraftStep): number =>
    positiveInt(env, `AGENCY_LLM_MAX_OUTPUT_TOKENS_${step.toUpperCase()}`, 0) || capAll;
  const timeout = positiveInt(env, "AGENCY_LLM_TIMEOUT_MS", 120_000);
  const common: ChatCommon = {
    provider,
    modelFor,
    priceFor,
    maxOutputTokensSetFor,
    repairs: positiveInt(env, "AGENCY_LLM_REPAIRS", 2),
    retries: positiveInt(env, "AGENCY_LLM_RETRIES", 3),
  };
  const id = `${provider}:${modelFor("intake_parser")}`;

  if (provider === "anthropic") {
    const apiKey = env["ANTHROPIC_API_KEY"];
    if (!apiKey) throw new Error("AGENCY_LLM_PROVIDER=anthropic needs ANTHROPIC_API_KEY");
    const baseUrl = env["ANTHROPIC_BASE_URL"];
    return { provider, offline: false, id, common, apiKey, timeout, ...(baseUrl ? { baseUrl } : {}) };
  }

  const compatible = provider === "openai-compatible";
  const baseURL = compatible ? env["AGENCY_LLM_BASE_URL"] : env["OPENAI_BASE_URL"];
  if (compatible && !baseURL) {
    throw new Error(
      "AGENCY_LLM_PROVIDER=openai-compatible needs AGENCY_LLM_BASE_URL (e.g. http://127.0.0.1:11434/v1)",
    );
  }
  // Local servers usually ignore the key, but the client insists on one.
  const apiKey = compatible
    ? env["AGENCY_LLM_API_KEY"] || env["OPENAI_API_KEY"] || "not-needed"
    : env["OPENAI_API_KEY"];
  if (!apiKey) throw new Error("AGENCY_LLM_PROVIDER=openai needs OPENAI_API_KEY");
  return { provider, offline: false, id, common, apiKey, timeout, ...(baseURL ? { baseURL } : {}) };
}
