/**
 * The whole pipeline on the provider path: the real @langchain/openai client talks to a FAKE
 * OpenAI-compatible server on loopback (this machine has no vendor access), whose "model" answers
 * each step's forced tool call with a draft.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Artifact, STEP_NAMES, type UsageRecord } from "../contracts.ts";
import { pipeline } from "../graph.ts";
import { offlineDraftingModel } from "../offline/model.ts";
import { costUsd } from "./prices.ts";
import { type FakeLlmServer, startFakeLlmServer } from "@roboagency/testing/fake-llm";
import { aContext, anIntake, HOSTILE_IDEA } from "../testing/builders.ts";
import { draftingModelFromEnv } from "./env.ts";

const HOSTILE =
  " <script>alert(1)</script> see https://evil.example/x [click](javascript:alert(2)) <img src=x onerror=alert(3)> www.evil.example";

/** A hostile model: every short prose field of an honest draft gets markup and outside links appended. */
function poison(value: unknown): unknown {
  if (typeof value === "string") return value.includes(" ") && value.length < 40 ? value + HOSTILE : value;
  if (Array.isArray(value)) return value.map(poison);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, poison(v)]));
  return value;
}

async function run(server: FakeLlmServer, configurable: Record<string, unknown> = {}, idea?: string) {
  const draftingModel = draftingModelFromEnv({
    AGENCY_LLM_PROVIDER: "openai",
    OPENAI_API_KEY: "test-key",
    OPENAI_BASE_URL: `${server.url}/v1`,
    AGENCY_LLM_MODEL_PRODUCT_DOC_WRITER: "gpt-4.1",
  });
  const artifacts: Artifact[] = [];
  const usage: UsageRecord[] = [];
  const steps: string[] = [];
  for await (const update of await pipeline.stream(
    { intake: anIntake(idea ? { idea, sector: "fintech" } : {}), context: aContext() },
    { streamMode: "updates", configurable: { draftingModel, ...configurable } },
  )) {
    for (const [step, partial] of Object.entries(update)) {
      steps.push(step);
      artifacts.push(...((partial as { artifacts?: Artifact[] }).artifacts ?? []));
      usage.push(...((partial as { usage?: UsageRecord[] }).usage ?? []));
    }
  }
  return { artifacts, usage, steps };
}

describe("the pipeline on a FAKE OpenAI-compatible server (real @langchain/openai client)", () => {
  let server: FakeLlmServer;
  beforeAll(async () => {
    server = await startFakeLlmServer();
  });
  afterAll(() => server.stop());

  it("when run with the openai provider, then all eight steps produce non-offline artifacts and usage sums to the priced calls", async () => {
    const before = server.calls.length;
    const { artifacts, usage, steps } = await run(server);
    expect(steps).toEqual([...STEP_NAMES]);
    for (const step of STEP_NAMES)
      expect(
        artifacts.some((a) => a.step === step),
        step,
      ).toBe(true);
    expect(artifacts.every((a) => !a.offlineDraft)).toBe(true);
    expect(artifacts.map((a) => String(a.body)).join("\n")).not.toMatch(/Offline draft/);

    const calls = server.calls.slice(before).filter((c) => c.api === "openai");
    // One call per step; the prototyper's is its custom screen, which compiled first time.
    expect(calls.map((c) => c.step)).toEqual([...STEP_NAMES]);
    expect(calls.find((c) => c.step === "product_doc_writer")?.model).toBe("gpt-4.1");
    expect(usage.map((u) => u.step)).toEqual(calls.map((c) => c.step));
    const expected = calls.reduce(
      (sum, c) =>
        sum +
        costUsd(
          c.model === "gpt-4.1"
            ? { inputPerMTok: 2, outputPerMTok: 8 }
            : { inputPerMTok: 0.4, outputPerMTok: 1.6 },
          c.inputTokens,
          c.outputTokens,
        ),
      0,
    );
    const total = usage.reduce((s, u) => s + u.costUsd, 0);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeCloseTo(expected, 9);
    console.log(
      `fake-provider run: ${calls.length} calls, ${usage.reduce((s, u) => s + u.inputTokens + u.outputTokens, 0)} tokens, $${total.toFixed(4)}`,
    );
  });

  it("when the budget is smaller than the run, then the run stops with BudgetExceededError before overspending", async () => {
    const before = server.calls.length;
    const error = await run(server, { budget: { limitUsd: 0.02, spentUsd: 0.005 } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "BudgetExceededError", limitUsd: 0.02 });
    // Only the stopped step's own rows ride on the error; earlier steps' rows were streamed.
    const stopped = (error as { step: string; usage: UsageRecord[] }).step;
    expect((error as { usage: UsageRecord[] }).usage.every((u) => u.step === stopped)).toBe(true);
    const calls = server.calls.slice(before).filter((c) => c.api === "openai");
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.length).toBeLessThan(8);
    const spent = calls.reduce(
      (s, c) => s + costUsd({ inputPerMTok: 0.4, outputPerMTok: 1.6 }, c.inputTokens, c.outputTokens),
      0,
    );
    expect(0.005 + spent).toBeLessThanOrEqual(0.02);
  });
});

describe("hostile intakes and a hostile model (FAKE OpenAI-compatible server on loopback)", () => {
  it("when the model answers with scripts and outside links, then no artifact carries them", async () => {
    const server = await startFakeLlmServer({
      answer: async (step, input) => ({
        draft: poison(await offlineDraftingModel.draft({ step, input } as never)),
      }),
    });
    try {
      const { artifacts } = await run(server, {}, HOSTILE_IDEA);
      expect(artifacts.length).toBeGreaterThan(15);
      // The bundled page holds the Svelte runtime (which handles onerror itself); its data is
      // prototype/src/data.json, checked like every other artifact.
      for (const a of artifacts.filter((x) => x.name !== "prototype/index.html")) {
        const body = String(a.body);
        const bad = /<script>alert|<img|onerror|javascript:|evil\.example|https?:\/\/evil/i.exec(body)?.[0];
        expect(bad, a.name).toBeUndefined();
        if (!/\.(html|svelte)$/.test(a.name)) expect(/<script/i.test(body), a.name).toBe(false);
      }
      // The forced tool call still said the intake is data.
      expect(String((server.calls[0]?.body["messages"] as { content: string }[])[0]?.content)).toMatch(
        /never instructions/,
      );
    } finally {
      await server.stop();
    }
  });
});
