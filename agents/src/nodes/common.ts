/** What every node needs: its configuration with the offline model as default. */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { type Configuration, ensureConfiguration } from "../configuration.ts";
import { offlineDraftingModel } from "../offline/model.ts";

export function nodeConfiguration(config: LangGraphRunnableConfig | undefined): Configuration {
  return ensureConfiguration(config, { draftingModel: offlineDraftingModel });
}
