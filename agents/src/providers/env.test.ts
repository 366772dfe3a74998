import { describe, expect, it } from "vitest";
import { offlineDraftingModel } from "../offline/model.ts";
import { draftingModelFromEnv } from "./env.ts";

describe("draftingModelFromEnv", () => {
  it("when no provider and no key are set, then the offline model is used", () => {
    expect(draftingModelFromEnv({})).toBe(offlineDraftingModel);
    expect(draftingModelFromEnv({ AGENCY_LLM_PROVIDER: "offline", OPENAI_API_KEY: "k" })).toBe(
      offlineDraftingModel,
    );
  });

  it("when a key is set, then its provider is chosen with the default or configured model", () => {
    expect(draftingModelFromEnv({ OPENAI_API_KEY: "k" }).id).toBe("openai:gpt-4.1-mini");
    expect(draftingModelFromEnv({ ANTHROPIC_API_KEY: "k" }).id).toBe("anthropic:claude-haiku-4-5");
    expect(draftingModelFromEnv({ OPENAI_API_KEY: "k", AGENCY_LLM_MODEL: "gpt-4o-mini" }).offline).toBe(
      false,
    );
  });

  it("when the configuration is wrong, then the error names the variable to set", () => {
    expect(() => draftingModelFromEnv({ AGENCY_LLM_PROVIDER: "gemini" })).toThrow(
      /AGENCY_LLM_PROVIDER must be one of/,
    );
    expect(() => draftingModelFromEnv({ AGENCY_LLM_PROVIDER: "openai" })).toThrow(/OPENAI_API_KEY/);
    expect(() => draftingModelFromEnv({ AGENCY_LLM_PROVIDER: "anthropic" })).toThrow(/ANTHROPIC_API_KEY/);
    expect(() => draftingModelFromEnv({ AGENCY_LLM_PROVIDER: "openai-compatible" })).toThrow(
      /AGENCY_LLM_BASE_URL/,
    );
    expect(() => draftingModelFromEnv({ OPENAI_API_KEY: "k", AGENCY_LLM_MODEL: "gpt-9" })).toThrow(
      /No price for model "gpt-9": add it to AGENCY_LLM_PRICES/,
    );
    expect(() => draftingModelFromEnv({ OPENAI_API_KEY: "k", AGENCY_LLM_PRICES: "{" })).toThrow(
      /AGENCY_LLM_PRICES/,
    );
  });

  it("when a price override is given, then an otherwise unknown model is accepted", () => {
    const env = {
      OPENAI_API_KEY: "k",
      AGENCY_LLM_MODEL: "gpt-9",
      AGENCY_LLM_PRICES: '{"gpt-9":{"inputPerMTok":1,"outputPerMTok":3}}',
    };
    expect(draftingModelFromEnv(env).id).toBe("openai:gpt-9");
  });
});
