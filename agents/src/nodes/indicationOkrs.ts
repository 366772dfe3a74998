import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { artifact, jsonArtifactBody } from "../artifacts.ts";
import { requireSector } from "../kb.ts";
import { INSTRUCTIONS } from "../prompts.ts";
import { okrsMarkdown } from "../render/markdown.ts";
import { evaluateRun } from "../quality/evaluate.ts";
import { okrsSchema } from "../schemas.ts";
import { type PipelineState, requireChannel } from "../state.ts";
import { nodeRuntime } from "./common.ts";

/**
 * Proposes OKRs with measurable key results inside the client's timeline, then reviews the whole
 * run: the quality report (gates and rubric scores per artifact) is a channel and an artifact.
 */
export async function indicationOkrs(
  state: PipelineState,
  config?: LangGraphRunnableConfig,
): Promise<Partial<PipelineState>> {
  const brief = requireChannel(state, "brief", "indication_okrs");
  const prd = requireChannel(state, "prd", "indication_okrs");
  const node = nodeRuntime(state, config, "indication_okrs");
  const { offline } = node;
  const okrs = await node.draft({
    step: "indication_okrs",
    instructions: INSTRUCTIONS.indication_okrs,
    input: { brief, prd, sector: requireSector(brief.sector.id) },
    schema: okrsSchema,
  });
  const late = okrs.objectives
    .flatMap((o) => o.keyResults)
    .filter((k) => k.deadline.weeksFromKickoff > okrs.horizonWeeks);
  if (late.length)
    throw new Error(`indication_okrs: key results past the horizon: ${late.map((k) => k.id).join(", ")}`);
  const own = [
    artifact("indication_okrs", "okrs", "okrs.md", "markdown", okrsMarkdown(okrs, brief, offline), offline),
    artifact("indication_okrs", "okrs", "okrs.json", "json", jsonArtifactBody(okrs, offline), offline),
  ];
  const quality = evaluateRun({ ...state, okrs }, node.draftingModel.id, own);
  return node.finish({
    okrs,
    quality,
    artifacts: [
      ...own,
      artifact(
        "indication_okrs",
        "quality_report",
        "quality-report.json",
        "json",
        jsonArtifactBody(quality, offline),
        offline,
      ),
    ],
  });
}
