/**
 * What every node needs: its configuration (offline model by default), a draft call that carries
 * the step's reviewer notes, the remaining budget and a usage sink, and the update it returns.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { jsonArtifactBody } from "../artifacts.ts";
import {
  type Configuration,
  type DraftRequest,
  type DraftStep,
  type DraftTasks,
  ensureConfiguration,
  requestDraft,
} from "../configuration.ts";
import { type Artifact, BudgetExceededError, type StepName, type UsageRecord } from "../contracts.ts";
import { offlineDraftingModel } from "../offline/model.ts";
import { draftReview } from "../quality/relevance.ts";
import { escapeMarkdown } from "../render/escape.ts";
import type { PipelineState } from "../state.ts";

export function nodeConfiguration(config: LangGraphRunnableConfig | undefined): Configuration {
  return ensureConfiguration(config, { draftingModel: offlineDraftingModel });
}

export interface NodeRuntime extends Configuration {
  offline: boolean;
  /** The operator's send-back comment for this step, if the step is being re-run after review. */
  reviewNotes: string | undefined;
  /** Provider calls this node made so far. */
  usage: UsageRecord[];
  draft<S extends DraftStep>(
    request: Omit<DraftRequest<S>, "reviewNotes" | "budget" | "onUsage" | "review">,
  ): Promise<DraftTasks[S]["output"]>;
  /** The node's update: its channels, its artifacts (with reviewer notes when offline) and usage. */
  finish(update: Partial<PipelineState> & { artifacts: Artifact[] }): Partial<PipelineState>;
}

const sumCost = (rows: readonly UsageRecord[]): number => rows.reduce((t, r) => t + r.costUsd, 0);

export function nodeRuntime(
  state: PipelineState,
  config: LangGraphRunnableConfig | undefined,
  step: StepName,
): NodeRuntime {
  const configuration = nodeConfiguration(config);
  const { draftingModel, budget } = configuration;
  const usage: UsageRecord[] = [];
  const reviewNotes = state.reviewNotes?.[step]?.trim() || undefined;
  // Spent = the project before this run + this run's earlier steps + this step's calls so far, so a
  // resumed run counts what it already paid for.
  const spentBefore = (budget?.spentUsd ?? 0) + sumCost(state.usage ?? []);
  return {
    ...configuration,
    offline: draftingModel.offline,
    reviewNotes,
    usage,
    draft(request) {
      const review = draftReview(request.step, state);
      return requestDraft(draftingModel, {
        ...request,
        ...(review ? { review } : {}),
        ...(reviewNotes ? { reviewNotes } : {}),
        ...(budget ? { budget: { limitUsd: budget.limitUsd, spentUsd: spentBefore + sumCost(usage) } } : {}),
        onUsage: (row) => usage.push(row),
      } as DraftRequest<typeof request.step>).catch((error: unknown) => {
        // The update carrying this node's usage is lost with the throw, so the error carries all of
        // it, whatever stopped the step: a failed step's calls were paid for and count against the budget.
        if (error instanceof BudgetExceededError) (error as { usage: UsageRecord[] }).usage = [...usage];
        else if (error instanceof Error && usage.length) Object.assign(error, { usage: [...usage] });
        throw error;
      });
    },
    finish(update) {
      const artifacts =
        reviewNotes && draftingModel.offline
          ? update.artifacts.map((a) => withReviewerNotes(a, reviewNotes))
          : update.artifacts;
      return { ...update, artifacts, usage };
    },
  };
}

/**
 * The offline model cannot rewrite prose from a comment, so it carries the comment visibly in the
 * step's documents; a provider-backed model gets it in the prompt instead.
 */
function withReviewerNotes(a: Artifact, notes: string): Artifact {
  if (typeof a.body !== "string") return a;
  if (a.contentType.startsWith("text/markdown")) {
    return { ...a, body: `${a.body.trimEnd()}\n\n## Reviewer notes\n\n> ${escapeMarkdown(notes)}\n` };
  }
  if (a.contentType.startsWith("application/json")) {
    const parsed = JSON.parse(a.body) as Record<string, unknown>;
    return { ...a, body: jsonArtifactBody({ ...parsed, reviewerNotes: notes }, false) };
  }
  return a;
}
