/**
 * Builds the drafting model the environment asks for (plan.ts reads and checks the variables).
 */
import { ChatAnthropic } from "@langchain/anthropic";
import { ChatOpenAI } from "@langchain/openai";
import type { DraftStep, DraftingModel } from "../configuration.ts";
import { offlineDraftingModel } from "../offline/model.ts";
import { ChatDraftingModel, outputTokenCap } from "./chat.ts";
import { type Env, draftingPlanFromEnv } from "./plan.ts";

export { DEFAULT_MODELS, PROVIDERS, type Env, type Provider } from "./plan.ts";

/** The DraftingModel the environment asks for; see agents/README.md for the variables. */
export function draftingModelFromEnv(env: Env): DraftingModel {
  const plan = draftingPlanFromEnv(env);
  if (plan.provider === "offline") return offlineDraftingModel;
  const { maxOutputTokensSetFor, ...rest } = plan.common;
  const common = {
    ...rest,
    maxOutputTokensFor: (step: DraftStep, model: string): number =>
      maxOutputTokensSetFor(step) || outputTokenCap(step, model),
  };
  const { timeout } = plan;

  if (plan.provider === "anthropic") {
    const { apiKey, baseUrl } = plan;
    return new ChatDraftingModel({
      ...common,
      chatFor: (model, maxTokens) =>
        new ChatAnthropic({
          model,
          apiKey,
          maxTokens,
          maxRetries: 0,
          ...(baseUrl ? { anthropicApiUrl: baseUrl } : {}),
          clientOptions: { timeout },
        }),
    });
  }

  const { apiKey, baseURL } = plan;
  return new ChatDraftingModel({
    ...common,
    chatFor: (model, maxTokens) =>
      new ChatOpenAI({
        model,
        apiKey,
        // Sent as max_completion_tokens to reasoning models, which count their reasoning in it.
        maxTokens,
        maxRetries: 0,
        timeout,
        ...(baseURL ? { configuration: { baseURL } } : {}),
      }),
  });
}
