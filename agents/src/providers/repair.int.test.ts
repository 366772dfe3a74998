/**
 * The provider path's repair loop and retry layer, shown working end to end: the real
 * @langchain/openai client talks to the FAKE OpenAI-compatible server on loopback
 * (@roboagency/testing/fake-llm; this machine has no vendor access), whose scripted answers are an
 * off-topic draft, a schema violation, rate limits and server errors.
 */
import { ChatOpenAI } from "@langchain/openai";
import { afterEach, describe, expect, it } from "vitest";
import { type Artifact, type UsageRecord } from "../contracts.ts";
import { pipeline } from "../graph.ts";
import { offlineDraftingModel } from "../offline/model.ts";
import { type FakeAnswer, type FakeLlmServer, startFakeLlmServer } from "@roboagency/testing/fake-llm";
import { aContext, anIntake } from "../testing/builders.ts";
import { DENTAL_WAITLIST, dentalBriefInOwnWords, karaokeBrief } from "../testing/dishonest.ts";
import type { DraftStep } from "../configuration.ts";
import { requireSector } from "../kb.ts";
import { type Brief, briefSchema } from "../schemas.ts";
import { ChatDraftingModel, REASONING_ALLOWANCE, OUTPUT_TOKEN_CAPS, retryAfterMs } from "./chat.ts";
import { draftingModelFromEnv } from "./env.ts";
import { PRICES, priceOf } from "./prices.ts";

const dental = anIntake({ sector: "healthcare", idea: DENTAL_WAITLIST, company: "Smile Dental" });
const honest = (step: DraftStep, input: unknown) => offlineDraftingModel.draft({ step, input } as never);

let server: FakeLlmServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

type Script = (step: DraftStep, input: unknown, nth: number) => Promise<FakeAnswer> | FakeAnswer;

/** A fake server whose answer per step is scripted by how often that step was asked before. */
async function scripted(script: Script) {
  const asked = new Map<DraftStep, number>();
  server = await startFakeLlmServer({
    answer: (step, input) => {
      const nth = asked.get(step) ?? 0;
      asked.set(step, nth + 1);
      return script(step, input, nth);
    },
  });
  return server;
}

function modelFor(fake: FakeLlmServer, env: Record<string, string> = {}) {
  return draftingModelFromEnv({
    AGENCY_LLM_PROVIDER: "openai",
    OPENAI_API_KEY: "test-key",
    OPENAI_BASE_URL: `${fake.url}/v1`,
    ...env,
  });
}

async function run(fake: FakeLlmServer, env: Record<string, string> = {}) {
  const artifacts: Artifact[] = [];
  const usage: UsageRecord[] = [];
  let brief: Brief | undefined;
  for await (const update of await pipeline.stream(
    { intake: dental, context: aContext() },
    { streamMode: "updates", configurable: { draftingModel: modelFor(fake, env) } },
  )) {
    for (const partial of Object.values(update) as {
      artifacts?: Artifact[];
      usage?: UsageRecord[];
      brief?: Brief;
    }[]) {
      artifacts.push(...(partial.artifacts ?? []));
      usage.push(...(partial.usage ?? []));
      brief ??= partial.brief;
    }
  }
  return { artifacts, usage, brief };
}

const userTurns = (call: { body: Record<string, unknown> }) =>
  (call.body["messages"] as { role: string; content: string }[])
    .filter((m) => m.role === "user")
    .map((m) => m.content);

describe("the repair loop on the provider path (FAKE OpenAI-compatible server)", () => {
  it("when the first brief is off-topic, then the relevance gates' reasons go back to the model and its repaired brief is used", async () => {
    const fake = await scripted(async (step, input, nth) => {
      const draft = await honest(step, input);
      if (step !== "intake_parser") return { draft };
      return { draft: nth === 0 ? karaokeBrief(draft as Brief) : dentalBriefInOwnWords(draft as Brief) };
    });
    const { brief, usage } = await run(fake);
    const asks = fake.calls.filter((c) => c.step === "intake_parser");
    expect(asks).toHaveLength(2);
    const repair = userTurns(asks[1]!).at(-1)!;
    expect(repair).toMatch(
      /fails the agency's checks against the intake: features-about-idea: the key features mention only 0\//,
    );
    expect(repair).toMatch(
      /no-filler-features: features that match nothing in the idea: "Karaoke song queue"/,
    );
    expect(brief?.keyFeatures.map((f) => f.name)).toContain("Offer freed slots to the waitlist");
    // Both calls were paid for and recorded.
    expect(usage.filter((u) => u.step === "intake_parser")).toHaveLength(2);
  });

  it("when the PRD violates its schema, then the validation error goes back and the repaired PRD is used", async () => {
    const fake = await scripted(async (step, input, nth) => {
      const draft = (await honest(step, input)) as Record<string, unknown>;
      if (step === "intake_parser") return { draft: dentalBriefInOwnWords(draft as Brief) };
      if (step === "product_doc_writer" && nth === 0) return { draft: { ...draft, userStories: [] } };
      return { draft };
    });
    const { artifacts } = await run(fake);
    const asks = fake.calls.filter((c) => c.step === "product_doc_writer");
    expect(asks.length).toBeGreaterThanOrEqual(2);
    expect(userTurns(asks[1]!).at(-1)).toMatch(/That draft is invalid: userStories: /);
    expect(artifacts.some((a) => a.name === "prd.md")).toBe(true);
  });

  it("when an answer is cut off at the output cap, then the model is told so, not handed a parse error", async () => {
    const fake = await scripted(async (step, input, nth) => {
      const draft = await honest(step, input);
      if (step !== "intake_parser") return { draft };
      return nth === 0 ? { draft, truncated: true } : { draft: dentalBriefInOwnWords(draft as Brief) };
    });
    await run(fake);
    const asks = fake.calls.filter((c) => c.step === "intake_parser");
    expect(userTurns(asks[1]!).at(-1)).toMatch(
      /the answer was cut off at the 4000-token output cap; answer more briefly/,
    );
  });

  it("when a step stays invalid after its repairs, then it fails and the error carries every paid call", async () => {
    const fake = await scripted(async (step, input) => {
      const draft = (await honest(step, input)) as Record<string, unknown>;
      if (step === "intake_parser") return { draft: dentalBriefInOwnWords(draft as Brief) };
      return step === "product_doc_writer" ? { draft: { ...draft, risks: [] } } : { draft };
    });
    const error = (await run(fake).catch((e: unknown) => e)) as Error & { usage?: UsageRecord[] };
    expect(error.message).toMatch(
      /product_doc_writer: the openai:gpt-4\.1-mini model returned an invalid draft after 2 repairs \(risks: /,
    );
    expect(error.usage?.map((u) => u.step)).toEqual([
      "product_doc_writer",
      "product_doc_writer",
      "product_doc_writer",
    ]);
    expect(error.usage?.every((u) => u.costUsd > 0)).toBe(true);
  });
});

describe("one retry layer, honouring Retry-After (FAKE OpenAI-compatible server)", () => {
  it("when the provider keeps answering 503, then the request is tried retries + 1 times in all, not again by the graph", async () => {
    const fake = await scripted(async (step, input) =>
      step === "intake_parser" ? { status: 503 } : { draft: await honest(step, input) },
    );
    const error = (await run(fake, { AGENCY_LLM_RETRIES: "1" }).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/intake_parser: the openai provider call failed after 2 attempts/);
    expect(fake.rejected.filter((c) => c.step === "intake_parser")).toHaveLength(2);
  });

  it("when the provider answers 429 with Retry-After, then the wait is what it asked for", async () => {
    const fake = await scripted(async (step, input, nth) =>
      nth === 0 ? { status: 429, headers: { "retry-after": "2" } } : { draft: await honest(step, input) },
    );
    const waits: number[] = [];
    const model = new ChatDraftingModel({
      provider: "openai-compatible",
      modelFor: () => "gpt-5-mini",
      chatFor: (m, maxTokens) =>
        new ChatOpenAI({
          model: m,
          apiKey: "t",
          maxRetries: 0,
          maxTokens,
          configuration: { baseURL: `${fake.url}/v1` },
        }),
      priceFor: () => PRICES["gpt-5-mini"]!,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    await model.draft({
      step: "intake_parser",
      instructions: "x",
      input: { intake: dental, sector: requireSector("healthcare") },
      schema: briefSchema,
    });
    expect(waits).toEqual([2000]);
    // A reasoning model gets room to think: the cap sent is the step's plus the reasoning allowance.
    expect(fake.calls[0]?.body["max_completion_tokens"]).toBe(
      OUTPUT_TOKEN_CAPS.intake_parser + REASONING_ALLOWANCE,
    );
  });

  it("when Retry-After is read, then seconds, HTTP dates and retry-after-ms are understood", () => {
    const h = (o: Record<string, string>) => ({ headers: new Headers(o) });
    expect(retryAfterMs(h({ "retry-after": "3" }))).toBe(3000);
    expect(retryAfterMs(h({ "retry-after-ms": "250" }))).toBe(250);
    expect(
      retryAfterMs(h({ "retry-after": "Wed, 02 Dec 2026 08:00:10 GMT" }), Date.parse("2026-12-02T08:00:00Z")),
    ).toBe(10_000);
    expect(retryAfterMs(h({}))).toBeUndefined();
    expect(retryAfterMs(new Error("no headers"))).toBeUndefined();
  });

  it("when the provider asks to wait longer than allowed, then the call fails at once saying so", async () => {
    const fake = await scripted(() => ({ status: 429, headers: { "retry-after": "3600" } }));
    const error = (await run(fake).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/provider call failed \(the provider asked to wait 3600 s\)/);
    expect(fake.rejected).toHaveLength(1);
  });
});

describe("the tool schema the model is given (MetaGPT-style field descriptions and examples)", () => {
  it("when a step is drafted, then its key fields carry a description and an example", async () => {
    const fake = await scripted(async (step, input) => ({ draft: await honest(step, input) }));
    await modelFor(fake).draft({
      step: "intake_parser",
      instructions: "x",
      input: { intake: dental, sector: requireSector("healthcare") },
      schema: briefSchema,
    });
    type Json = { description?: string; examples?: unknown[]; properties: Record<string, Json>; items: Json };
    const tools = fake.calls[0]?.body["tools"] as { function: { parameters: Json } }[];
    const props = tools[0]!.function.parameters.properties;
    expect(props["keyFeatures"]?.description).toMatch(/tracing to the idea/);
    expect(props["keyFeatures"]?.items.properties["name"]?.examples).toEqual([
      "Offer freed slots to the waitlist",
    ]);
    expect(props["problemStatement"]?.examples?.[0]).toMatch(/clinics/);
    expect(props["openQuestions"]?.description).toMatch(/unclear/);
  });
});

describe("prices and output caps", () => {
  it("when a dated snapshot or an alias is priced, then it costs what its model costs", () => {
    expect(priceOf(PRICES, "gpt-5.4-mini-2026-03-17")).toEqual(PRICES["gpt-5.4-mini"]);
    expect(priceOf(PRICES, "claude-haiku-4-5-20251001")).toEqual(PRICES["claude-haiku-4-5"]);
    expect(priceOf(PRICES, "claude-sonnet-4-20250514")).toEqual(PRICES["claude-sonnet-4-0"]);
    expect(priceOf(PRICES, "gpt-9")).toBeUndefined();
  });

  it("when caps are configured, then a step's own variable wins over the global one, which wins over the defaults", async () => {
    const fake = await scripted(async (step, input) => ({ draft: await honest(step, input) }));
    const model = modelFor(fake, {
      AGENCY_LLM_MODEL: "gpt-4.1-mini",
      AGENCY_LLM_MAX_OUTPUT_TOKENS: "5000",
      AGENCY_LLM_MAX_OUTPUT_TOKENS_INTAKE_PARSER: "6000",
    });
    await model.draft({
      step: "intake_parser",
      instructions: "x",
      input: { intake: dental, sector: requireSector("healthcare") },
      schema: briefSchema,
    });
    expect(fake.calls[0]?.body["max_tokens"]).toBe(6000);
  });
});
