import { describe, expect, it } from "vitest";
import { type DraftingModel, ensureConfiguration, requestDraft } from "./configuration.ts";
import { requireSector } from "./kb.ts";
import { offlineDraftingModel } from "./offline/model.ts";
import { briefSchema } from "./schemas.ts";
import { anIntake } from "./testing/builders.ts";

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
