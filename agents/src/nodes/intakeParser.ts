import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";
import { artifact, jsonArtifactBody } from "../artifacts.ts";
import { requireSector } from "../kb.ts";
import { INSTRUCTIONS } from "../prompts.ts";
import { campaignLinks } from "../render/email.ts";
import { briefSchema, intakeInputSchema } from "../schemas.ts";
import type { PipelineState } from "../state.ts";
import { nodeRuntime } from "./common.ts";

/** Validates the intake and the project context, then drafts the brief. */
export async function intakeParser(
  state: PipelineState,
  config?: LangGraphRunnableConfig,
): Promise<Partial<PipelineState>> {
  const parsed = intakeInputSchema.safeParse(state.intake);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `intake.${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`intake_parser: invalid intake (${issues})`);
  }
  if (!state.context) throw new Error("intake_parser: state.context is required (projectId, portalUrl, …)");
  // Fail on a bad portal or calendar URL now, not after seven steps of work.
  campaignLinks(state.context);
  for (const key of ["leadId", "runId"] as const) {
    if (!z.string().min(1).safeParse(state.context[key]).success) {
      throw new Error(`intake_parser: context.${key} must be a non-empty string`);
    }
  }

  const node = nodeRuntime(state, config, "intake_parser");
  const intake = parsed.data;
  const brief = await node.draft({
    step: "intake_parser",
    instructions: INSTRUCTIONS.intake_parser,
    input: { intake, sector: requireSector(intake.sector) },
    schema: briefSchema,
  });
  return node.finish({
    brief,
    artifacts: [
      artifact(
        "intake_parser",
        "brief",
        "brief.json",
        "json",
        jsonArtifactBody(brief, node.offline),
        node.offline,
      ),
    ],
  });
}
