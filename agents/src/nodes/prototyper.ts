import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";
import { artifact } from "../artifacts.ts";
import { INSTRUCTIONS } from "../prompts.ts";
import {
  type CustomScreen,
  PATTERN_COMPONENTS,
  type PrototypeBuild,
  buildPrototype,
  screenSource,
} from "../render/prototype.ts";
import { type Prototype, type Wireframes, prototypeSchema } from "../schemas.ts";
import { type PipelineState, requireChannel } from "../state.ts";
import { type NodeRuntime, nodeRuntime } from "./common.ts";

const ENTRY = "prototype/index.html";
/** Compile attempts of a model-written screen before falling back to the proven patterns. */
export const COMPILE_ATTEMPTS = 3;

const customScreenSchema = z.object({ component: z.string().min(40).max(20_000) });

/**
 * Compiles the wireframes into a clickable Svelte prototype in one self-contained HTML page. On the
 * LLM path the model writes one screen itself; compile and safety errors go back to it (bounded
 * attempts), and after the last failure the proven pattern screen is used and the report says so.
 */
export async function prototyper(
  state: PipelineState,
  config?: LangGraphRunnableConfig,
): Promise<Partial<PipelineState>> {
  const wireframes = requireChannel(state, "wireframes", "prototyper");
  const node = nodeRuntime(state, config, "prototyper");
  const { offline } = node;
  const { built, build } = offline
    ? { built: await buildPrototype(wireframes, true), build: { attempts: 0, fallback: true, errors: [] } }
    : await compileAndRepair(node, wireframes);
  const prototype: Prototype = prototypeSchema.parse({
    entry: ENTRY,
    screens: built.screens,
    components: built.sources.filter((s) => s.path.endsWith(".svelte")).map((s) => s.path),
    bytes: Buffer.byteLength(built.html),
    build,
  });
  return node.finish({
    prototype,
    artifacts: [
      artifact("prototyper", "prototype", ENTRY, "html", built.html, offline, "prototypes"),
      ...built.sources.map((source) =>
        artifact(
          "prototyper",
          "prototype-source",
          `prototype/src/${source.path}`,
          source.path.endsWith(".svelte") ? "svelte" : source.path.endsWith(".json") ? "json" : "text",
          source.code,
          offline,
          "prototypes",
        ),
      ),
    ],
  });
}

/** The screen worth customising: the first feature screen, else the first screen. */
function targetScreen(wireframes: Wireframes): number {
  const i = wireframes.screens.findIndex((s) => s.featureId);
  return i >= 0 ? i : 0;
}

async function compileAndRepair(
  node: NodeRuntime,
  wireframes: Wireframes,
): Promise<{ built: PrototypeBuild; build: NonNullable<Prototype["build"]> }> {
  const index = targetScreen(wireframes);
  const screen = wireframes.screens[index]!;
  const errors: string[] = [];
  for (let attempt = 1; attempt <= COMPILE_ATTEMPTS; attempt++) {
    const { component } = await node.draft({
      step: "prototyper",
      instructions: INSTRUCTIONS.prototyper,
      input: {
        wireframes,
        screenId: screen.id,
        example: screenSource(wireframes, index, false),
        allowedImports: Object.values(PATTERN_COMPONENTS).map((c) => `./patterns/${c}.svelte`),
        ...(errors.length ? { previousErrors: errors.at(-1) } : {}),
      },
      schema: customScreenSchema,
      neutralize: false,
    });
    const custom: CustomScreen = { screenId: screen.id, source: component };
    try {
      const built = await buildPrototype(wireframes, false, custom);
      return { built, build: { customScreen: screen.id, attempts: attempt, fallback: false, errors } };
    } catch (error) {
      errors.push(((error as Error).message ?? String(error)).slice(0, 1500));
    }
  }
  const built = await buildPrototype(wireframes, false);
  return { built, build: { customScreen: screen.id, attempts: COMPILE_ATTEMPTS, fallback: true, errors } };
}
