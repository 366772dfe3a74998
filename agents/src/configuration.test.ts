import { describe, expect, it } from "vitest";
import {
  ConfigurationSchema,
  type DraftingModel,
  ensureConfiguration,
  requestDraft,
} from "./configuration.ts";
import { pipeline } from "./graph.ts";
import { requireSector } from "./kb.ts";
import { offlineDraftingModel } from "./offline/model.ts";
import { briefSchema } from "./schemas.ts";
import { aContext, anIntake } from "./testing/builders.ts";

const defaults = { draftingModel: offlineDraftingModel };

describe("ensureConfiguration", () => {
  it("when nothing is configured, then the offline drafting model is used", () => {
    expect(ensureConfiguration(undefined, defaults).draftingModel.id).toBe("offline");
    expect(ensureConfiguration({ configurable: {} }, defaults).draftingModel.offline).toBe(true);
  });

  it("when a drafting model is configured, then it replaces the default", () => {
    const custom: DraftingModel = { ...offlineDraftingModel, id: "custom", offline: false };
    expect(ensureConfiguration({ configurable: { draftingModel: custom } }, defaults).draftingModel).toBe(
      custom,
    );
  });

  it("when the configured model is malformed, then the error says what it must implement", () => {
    expect(() => ensureConfiguration({ configurable: { draftingModel: { id: "x" } } }, defaults)).toThrow(
      /draftingModel must implement DraftingModel/,
    );
  });
});

describe("requestDraft", () => {
  it("when a model returns a draft that breaks the schema, then the error names the step, model and field", async () => {
    const broken: DraftingModel = {
      id: "broken",
      offline: false,
      draft: async () => ({ productName: "" }) as never,
    };
    await expect(
      requestDraft(broken, {
        step: "intake_parser",
        instructions: "",
        input: { intake: anIntake(), sector: requireSector("ecommerce") },
        schema: briefSchema,
      }),
    ).rejects.toThrow(/intake_parser: the broken drafting model returned an invalid draft \(productName/);
  });
});

describe("ConfigurationSchema on the graph", () => {
  it("when a run starts with a malformed configurable, then it fails before any step drafts", async () => {
    const calls: string[] = [];
    const recording: DraftingModel = {
      ...offlineDraftingModel,
      id: "recording",
      draft: async (request) => {
        calls.push(request.step);
        return offlineDraftingModel.draft(request);
      },
    };
    const run = pipeline.invoke(
      { intake: anIntake(), context: aContext() },
      { configurable: { draftingModel: recording, reviewGates: ["nope"] } },
    );
    // The graph's check throws the schema's error (with issues); a node's ensureConfiguration, a plain Error.
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toHaveProperty("issues");
    expect(String((error as Error).message)).toMatch(
      /configurable\.reviewGates must be an array of prd_review, campaign_review/,
    );
    expect(calls).toEqual([]);
  });

  it("when LangGraph's own keys are in configurable, then the schema lets them through", () => {
    const configurable = { thread_id: "t1", checkpoint_ns: "", __pregel_scratchpad: {}, budget: undefined };
    expect(ConfigurationSchema.safeParse(configurable).success).toBe(true);
    expect(
      ConfigurationSchema.safeParse({ ...configurable, budget: { limitUsd: -1, spentUsd: 0 } }).success,
    ).toBe(false);
  });
});
