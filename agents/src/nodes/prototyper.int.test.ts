/**
 * The prototyper's compile-and-repair loop on the provider path: the real @langchain/openai client
 * against a FAKE OpenAI-compatible server on loopback whose "model" writes the custom screen.
 */
import { describe, expect, it } from "vitest";
import type { Artifact } from "../contracts.ts";
import { pipeline } from "../graph.ts";
import { offlineDraftingModel } from "../offline/model.ts";
import { draftingModelFromEnv } from "../providers/env.ts";
import type { QualityReport } from "../quality/report.ts";
import type { Prototype } from "../schemas.ts";
import { type FakeAnswer, startFakeLlmServer } from "@roboagency/testing/fake-llm";
import { aContext, anIntake } from "../testing/builders.ts";

async function runWith(screens: ((example: string) => string)[]) {
  const prompts: string[] = [];
  const server = await startFakeLlmServer({
    answer: async (step, input): Promise<FakeAnswer> => {
      if (step === "prototyper") {
        const i = input as { example: string; previousErrors?: string };
        prompts.push(i.previousErrors ?? "");
        const write = screens.shift() ?? ((example: string) => example);
        return { draft: { component: write(i.example) } };
      }
      return { draft: await offlineDraftingModel.draft({ step, input } as never) };
    },
  });
  try {
    const draftingModel = draftingModelFromEnv({
      AGENCY_LLM_PROVIDER: "openai-compatible",
      AGENCY_LLM_BASE_URL: `${server.url}/v1`,
    });
    let prototype: Prototype | undefined;
    let quality: QualityReport | undefined;
    const artifacts: Artifact[] = [];
    for await (const u of await pipeline.stream(
      { intake: anIntake(), context: aContext() },
      { streamMode: "updates", configurable: { draftingModel } },
    )) {
      prototype ??= u.prototyper?.prototype;
      quality ??= u.indication_okrs?.quality;
      artifacts.push(...(u.prototyper?.artifacts ?? []));
    }
    return { prototype: prototype!, quality: quality!, prompts, artifacts };
  } finally {
    await server.stop();
  }
}

const broken = () => "<script>\n  let { screen } = $props();\n</script>\n<main>{#if}</main>\n";
const unsafe = (example: string) => example.replace("</main>", "{@html screen.title}</main>");
const retitled = (example: string) => example.replace("<main ", '<main class="custom" ');

describe("prototyper compile-and-repair loop (FAKE OpenAI-compatible server)", () => {
  it("when the model's screen fails to compile, then the error goes back to it and the repaired screen ships", async () => {
    const { prototype, prompts, artifacts } = await runWith([broken, unsafe, retitled]);
    expect(prototype.build).toMatchObject({ attempts: 3, fallback: false });
    expect(prototype.build?.errors).toHaveLength(2);
    expect(prompts[1]).toMatch(/prototyper|Svelte|svelte|Expected|{#if}/);
    expect(prompts[2]).toMatch(/\{@html\} is not allowed/);
    const custom = artifacts.find(
      (a) => a.name.endsWith(".svelte") && String(a.body).includes('class="custom"'),
    );
    expect(custom?.name).toMatch(/^prototype\/src\/Screen.*\.svelte$/);
  });

  it("when every attempt fails, then the proven pattern screen is used and the quality report says so", async () => {
    const { prototype, quality } = await runWith([broken, broken, broken]);
    expect(prototype.build).toMatchObject({ attempts: 3, fallback: true });
    const entry = quality.artifacts.find((a) => a.artifact === "prototype");
    // Not a gate (it could only pass): the fallback is a working prototype, noted and scored 0.
    expect(entry?.gates.find((g) => g.id === "model-screen")).toBeUndefined();
    expect(entry?.notes).toEqual(["model-written screen failed 3 compile attempts; proven pattern used"]);
    expect(quality.artifacts.find((a) => a.artifact === "prototype")?.rubric["compileFirstTry"]).toBe(0);
  });
});
