/**
 * List prices in USD per million tokens (standard processing, short context), for the cost of each
 * UsageRecord. They change: AGENCY_LLM_PRICES='{"model":{"inputPerMTok":1,"outputPerMTok":2}}'
 * overrides or extends them, and a dated snapshot ("gpt-5.4-mini-2026-03-17",
 * "claude-haiku-4-5-20251001") or a "-latest" alias is priced as its model.
 */
export interface Price {
  inputPerMTok: number;
  outputPerMTok: number;
}

/** As published on the OpenAI and Anthropic pricing pages (checked 2026). */
export const PRICES: Readonly<Record<string, Price>> = {
  // OpenAI
  "gpt-5.4": { inputPerMTok: 2.5, outputPerMTok: 15 },
  "gpt-5.4-mini": { inputPerMTok: 0.75, outputPerMTok: 4.5 },
  "gpt-5.4-nano": { inputPerMTok: 0.2, outputPerMTok: 1.25 },
  "gpt-5.2": { inputPerMTok: 1.75, outputPerMTok: 14 },
  "gpt-5.2-pro": { inputPerMTok: 21, outputPerMTok: 168 },
  "gpt-5.1": { inputPerMTok: 1.25, outputPerMTok: 10 },
  "gpt-5": { inputPerMTok: 1.25, outputPerMTok: 10 },
  "gpt-5-pro": { inputPerMTok: 15, outputPerMTok: 120 },
  "gpt-5-mini": { inputPerMTok: 0.25, outputPerMTok: 2 },
  "gpt-5-nano": { inputPerMTok: 0.05, outputPerMTok: 0.4 },
  "gpt-5-chat-latest": { inputPerMTok: 1.25, outputPerMTok: 10 },
  o3: { inputPerMTok: 2, outputPerMTok: 8 },
  "o4-mini": { inputPerMTok: 1.1, outputPerMTok: 4.4 },
  "gpt-4.1": { inputPerMTok: 2, outputPerMTok: 8 },
  "gpt-4.1-mini": { inputPerMTok: 0.4, outputPerMTok: 1.6 },
  "gpt-4.1-nano": { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  "gpt-4o": { inputPerMTok: 2.5, outputPerMTok: 10 },
  "gpt-4o-mini": { inputPerMTok: 0.15, outputPerMTok: 0.6 },
  // Anthropic
  "claude-opus-4-6": { inputPerMTok: 5, outputPerMTok: 25 },
  "claude-sonnet-4-6": { inputPerMTok: 3, outputPerMTok: 15 },
  "claude-opus-4-5": { inputPerMTok: 5, outputPerMTok: 25 },
  "claude-sonnet-4-5": { inputPerMTok: 3, outputPerMTok: 15 },
  "claude-haiku-4-5": { inputPerMTok: 1, outputPerMTok: 5 },
  "claude-opus-4-1": { inputPerMTok: 15, outputPerMTok: 75 },
  "claude-opus-4-0": { inputPerMTok: 15, outputPerMTok: 75 },
  "claude-sonnet-4-0": { inputPerMTok: 3, outputPerMTok: 15 },
  "claude-3-7-sonnet": { inputPerMTok: 3, outputPerMTok: 15 },
  "claude-3-5-haiku": { inputPerMTok: 0.8, outputPerMTok: 4 },
  "claude-3-haiku": { inputPerMTok: 0.25, outputPerMTok: 1.25 },
};

/** The price of a model name, a dated snapshot of it, or its "-latest" alias; undefined when unknown. */
export function priceOf(table: Readonly<Record<string, Price>>, model: string): Price | undefined {
  const exact = table[model];
  if (exact) return exact;
  const base = model.replace(/-(?:\d{4}-\d{2}-\d{2}|\d{8}|latest)$/, "");
  return table[base] ?? (/^claude-(?:opus|sonnet)-4$/.test(base) ? table[`${base}-0`] : undefined);
}

export function costUsd(price: Price, inputTokens: number, outputTokens: number): number {
  const usd = (inputTokens * price.inputPerMTok + outputTokens * price.outputPerMTok) / 1_000_000;
  // Micro-dollar precision keeps sums exact enough to compare against a budget.
  return Math.round(usd * 1e6) / 1e6;
}
