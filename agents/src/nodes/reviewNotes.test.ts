import { describe, expect, it } from "vitest";
import { draftingModelFromEnv } from "../providers/env.ts";
import type { PipelineState } from "../state.ts";
import { startFakeLlmServer } from "@roboagency/testing/fake-llm";
import { aContext, anIntake, runPipeline } from "../testing/builders.ts";
import { productDocWriter } from "./productDocWriter.ts";

const NOTE = "Focus the MVP on repeat bookings; drop the in-app chat. <b>Really</b>";

async function stateAfterMarket(): Promise<PipelineState> {
  const run = await runPipeline(anIntake());
  return {
    intake: anIntake(),
    context: aContext(),
    artifacts: [],
    usage: [],
    brief: run.byStep.get("intake_parser")?.brief,
    market: run.byStep.get("market_mapper")?.market,
    reviewNotes: { product_doc_writer: NOTE },
  } as unknown as PipelineState;
}

describe("reviewer notes on a sent-back step", () => {
  it("when the offline model re-runs the PRD, then prd.md carries a Reviewer notes section and prd.json the note", async () => {
    const update = await productDocWriter(await stateAfterMarket());
    const md = String(update.artifacts?.find((a) => a.name === "prd.md")?.body);
    expect(md).toMatch(
      /## Reviewer notes\n\n> Focus the MVP on repeat bookings; drop the in-app chat\. \\<b\\>Really\\<\/b\\>/,
    );
    const json = JSON.parse(String(update.artifacts?.find((a) => a.name === "prd.json")?.body)) as {
      reviewerNotes?: string;
    };
    expect(json.reviewerNotes).toBe(NOTE);
  });

  it("when a provider model re-runs the PRD (FAKE OpenAI server on loopback), then the note is in its prompt", async () => {
    const server = await startFakeLlmServer();
    try {
      const draftingModel = draftingModelFromEnv({
        AGENCY_LLM_PROVIDER: "openai-compatible",
        AGENCY_LLM_BASE_URL: `${server.url}/v1`,
      });
      const update = await productDocWriter(await stateAfterMarket(), { configurable: { draftingModel } });
      const system = (server.calls[0]?.body["messages"] as { content: string }[])[0]?.content;
      expect(system).toContain(
        `sent the previous draft of this step back with this comment; address it:\n${NOTE}`,
      );
      expect(String(update.artifacts?.find((a) => a.name === "prd.md")?.body)).not.toMatch(
        /## Reviewer notes/,
      );
      expect(update.usage).toHaveLength(1);
    } finally {
      await server.stop();
    }
  });
});
