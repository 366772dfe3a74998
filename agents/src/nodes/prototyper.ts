import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { artifact } from "../artifacts.ts";
import { buildPrototype } from "../render/prototype.ts";
import { prototypeSchema } from "../schemas.ts";
import { type PipelineState, requireChannel } from "../state.ts";
import { nodeConfiguration } from "./common.ts";

const ENTRY = "prototype/index.html";

/** Compiles the wireframes into a clickable Svelte prototype in one self-contained HTML page. */
export async function prototyper(
  state: PipelineState,
  config?: LangGraphRunnableConfig,
): Promise<Partial<PipelineState>> {
  const wireframes = requireChannel(state, "wireframes", "prototyper");
  const { draftingModel } = nodeConfiguration(config);
  const offline = draftingModel.offline;
  const built = await buildPrototype(wireframes, offline);
  return {
    prototype: prototypeSchema.parse({
      entry: ENTRY,
      screens: built.screens,
      components: built.sources.filter((s) => s.path.endsWith(".svelte")).map((s) => s.path),
      bytes: Buffer.byteLength(built.html),
    }),
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
  };
}
