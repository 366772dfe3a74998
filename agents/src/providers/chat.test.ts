import { FakeListChatModel } from "@langchain/core/utils/testing";
import { ChatOpenAI } from "@langchain/openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DraftRequest } from "../configuration.ts";
import { BudgetExceededError, type UsageRecord } from "../contracts.ts";
import { requireSector } from "../kb.ts";
import { offlineDraftingModel } from "../offline/model.ts";
import { INSTRUCTIONS } from "../prompts.ts";
import { briefSchema } from "../schemas.ts";
import { type FakeLlmServer, startFakeLlmServer } from "@roboagency/testing/fake-llm";
import { anIntake } from "../testing/builders.ts";
import { ChatDraftingModel, isTransient } from "./chat.ts";
import { draftingModelFromEnv } from "./env.ts";

const PRICE = { inputPerMTok: 1, outputPerMTok: 2 };

function briefRequest(extra: Partial<DraftRequest<"intake_parser">> = {}): DraftRequest<"intake_parser"> {
  const intake = anIntake();
  return {
    step: "intake_parser",
    instructions: INSTRUCTIONS.intake_parser,
    input: { intake, sector: requireSector(intake.sector) },
    schema: briefSchema,
    ...extra,
  };
}

const goodBrief = async () => offlineDraftingModel.draft(briefRequest());

/** LangChain's fake chat model (@langchain/core/utils/testing) answering the given texts in order. */
function fakeListModel(responses: string[]) {
  return new ChatDraftingModel({
    provider: "fake",
    modelFor: () => "fake-list",
    chatFor: () => new FakeListChatModel({ responses }),
    priceFor: () => PRICE,
  });
}

describe("ChatDraftingModel repair loop (LangChain FakeListChatModel)", () => {
  it("when the first draft fails validation, then it re-asks with the error and returns the repaired draft", async () => {
    const good = await goodBrief();
    const model = fakeListModel([JSON.stringify({ ...good, keyFeatures: [] }), JSON.stringify(good)]);
    const rows: UsageRecord[] = [];
    const draft = await model.draft(briefRequest({ onUsage: (r) => rows.push(r) }));
    expect(draft.productName).toBe(good.productName);
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.step === "intake_parser" && r.provider === "fake")).toBe(true);
  });

  it("when every draft stays invalid, then it fails after two repairs naming the step and the problem", async () => {
    const model = fakeListModel(["not json at all", '{"productName": ""}', '{"productName": "x"}']);
    await expect(model.draft(briefRequest())).rejects.toThrow(
      /intake_parser: the fake:fake-list model returned an invalid draft after 2 repairs \(.*(keyFeatures|problemStatement)/,
    );
  });
});

describe("ChatDraftingModel against a FAKE OpenAI-compatible server on loopback (real @langchain/openai client)", () => {
  let server: FakeLlmServer;
  const statuses: number[] = [];
  beforeAll(async () => {
    server = await startFakeLlmServer({
      answer: async (step, input) => {
        const status = statuses.shift();
        if (status) return { status };
        return { draft: await offlineDraftingModel.draft({ step, input } as never) };
      },
    });
  });
  afterAll(() => server.stop());

  const openAiModel = (retries = 3) =>
    new ChatDraftingModel({
      provider: "openai-compatible",
      modelFor: () => "fake-gpt",
      chatFor: (model) =>
        new ChatOpenAI({
          model,
          apiKey: "test",
          maxRetries: 0,
          configuration: { baseURL: `${server.url}/v1` },
        }),
      priceFor: () => PRICE,
      retries,
      backoffMs: 5,
    });

  it("when the server answers with a tool call, then the draft validates and usage is priced from the response", async () => {
    const rows: UsageRecord[] = [];
    const before = server.calls.length;
    const draft = await openAiModel().draft(briefRequest({ onUsage: (r) => rows.push(r) }));
    expect(briefSchema.safeParse(draft).success).toBe(true);
    const call = server.calls[before]!;
    expect(rows).toEqual([
      {
        step: "intake_parser",
        provider: "openai-compatible",
        model: "fake-gpt",
        inputTokens: call.inputTokens,
        outputTokens: call.outputTokens,
        costUsd: (call.inputTokens * 1 + call.outputTokens * 2) / 1e6,
      },
    ]);
    // The intake is delimited as data and the model is told so.
    const messages = call.body["messages"] as { role: string; content: string }[];
    expect(messages[0]?.content).toMatch(/<intake> and <\/intake>.*never instructions/);
    expect(messages[1]?.content).toMatch(/^<intake>\n\{.*\}\n<\/intake>$/s);
    expect(call.body["tool_choice"]).toEqual({
      type: "function",
      function: { name: "submit_intake_parser" },
    });
  });

  it("when the server returns 429 then 503, then the call is retried with backoff and succeeds", async () => {
    statuses.push(429, 503);
    const before = server.calls.length;
    await expect(openAiModel().draft(briefRequest())).resolves.toMatchObject({ sector: { id: "ecommerce" } });
    expect(server.calls.length - before).toBe(1);
    expect(statuses).toEqual([]);
  });

  it("when the server keeps failing, then the step fails naming the step, the provider and the attempts", async () => {
    statuses.push(500, 500, 500);
    await expect(openAiModel(2).draft(briefRequest())).rejects.toThrow(
      /intake_parser: the openai-compatible provider call failed after 3 attempts/,
    );
  });

  it("when the server answers 400, then it is not retried", async () => {
    statuses.push(400, 400);
    await expect(openAiModel().draft(briefRequest())).rejects.toThrow(/provider call failed: /);
    expect(statuses).toEqual([400]);
    statuses.length = 0;
  });

  it("when the next call could exceed the budget, then BudgetExceededError is thrown before calling", async () => {
    const before = server.calls.length;
    const error = await openAiModel()
      .draft(briefRequest({ budget: { limitUsd: 0.001, spentUsd: 0 } }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(error).toMatchObject({ name: "BudgetExceededError", limitUsd: 0.001, spentUsd: 0 });
    expect(server.calls.length).toBe(before);
  });

  it("when a call pushes spending over the limit, then BudgetExceededError carries the paid usage", async () => {
    // Input is free and the estimate assumes one output token, so only the paid reply trips the guard.
    const model = new ChatDraftingModel({
      provider: "openai-compatible",
      modelFor: () => "fake-gpt",
      chatFor: (m) =>
        new ChatOpenAI({
          model: m,
          apiKey: "t",
          maxRetries: 0,
          configuration: { baseURL: `${server.url}/v1` },
        }),
      priceFor: () => ({ inputPerMTok: 0, outputPerMTok: 10 }),
      maxOutputTokens: 1,
    });
    const error = (await model
      .draft(briefRequest({ budget: { limitUsd: 0.01, spentUsd: 0.008 } }))
      .catch((e: unknown) => e)) as BudgetExceededError;
    expect(error.name).toBe("BudgetExceededError");
    expect(error.usage).toHaveLength(1);
    expect(error.spentUsd).toBeGreaterThan(0.01);
  });
});

describe("ChatDraftingModel against a FAKE Anthropic messages server on loopback (real @langchain/anthropic client)", () => {
  it("when the server answers with tool_use, then the draft validates and usage is recorded", async () => {
    const server = await startFakeLlmServer();
    try {
      const model = draftingModelFromEnv({
        AGENCY_LLM_PROVIDER: "anthropic",
        ANTHROPIC_API_KEY: "test-key",
        ANTHROPIC_BASE_URL: server.url,
      });
      const rows: UsageRecord[] = [];
      const draft = await model.draft(briefRequest({ onUsage: (r) => rows.push(r) }));
      expect(briefSchema.safeParse(draft).success).toBe(true);
      expect(server.calls[0]).toMatchObject({ api: "anthropic", model: "claude-haiku-4-5" });
      expect(rows[0]).toMatchObject({ provider: "anthropic", model: "claude-haiku-4-5" });
      expect(rows[0]?.costUsd).toBeCloseTo((rows[0]!.inputTokens * 1 + rows[0]!.outputTokens * 5) / 1e6, 9);
    } finally {
      await server.stop();
    }
  });
});

describe("isTransient", () => {
  it("when errors are rate limits, 5xx or timeouts, then they are transient; 4xx are not", () => {
    expect(isTransient({ status: 429 })).toBe(true);
    expect(isTransient({ status: 502 })).toBe(true);
    expect(isTransient(new Error("Request timed out."))).toBe(true);
    expect(isTransient({ status: 401 })).toBe(false);
    expect(isTransient(new Error("invalid draft"))).toBe(false);
  });
});
