import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { artifact } from "../artifacts.ts";
import { INSTRUCTIONS } from "../prompts.ts";
import { campaignLinks, disallowedLinks, renderEmail } from "../render/email.ts";
import { campaignCopySchema, campaignSchema } from "../schemas.ts";
import { type PipelineState, requireChannel } from "../state.ts";
import { nodeRuntime } from "./common.ts";

/** Writes the three warm-up emails; links come from the project context only, and are checked. */
export async function campaignComposer(
  state: PipelineState,
  config?: LangGraphRunnableConfig,
): Promise<Partial<PipelineState>> {
  const brief = requireChannel(state, "brief", "campaign_composer");
  const prd = requireChannel(state, "prd", "campaign_composer");
  const explainer = requireChannel(state, "explainer", "campaign_composer");
  const node = nodeRuntime(state, config, "campaign_composer");
  const { offline } = node;
  const copy = await node.draft({
    step: "campaign_composer",
    instructions: INSTRUCTIONS.campaign_composer,
    input: {
      brief,
      prd,
      explainer,
      context: state.context,
      ...(state.intake.name ? { recipientName: state.intake.name } : {}),
    },
    schema: campaignCopySchema,
  });
  const links = campaignLinks(state.context);
  const allowed = Object.values(links);
  const { emails } = campaignSchema.parse({ emails: copy.emails.map((c) => renderEmail(c, links, offline)) });
  for (const email of emails) {
    const bad = [...disallowedLinks(email.html, allowed), ...disallowedLinks(email.text, allowed)];
    if (bad.length)
      throw new Error(
        `campaign_composer: the ${email.step} email links outside the project: ${bad.join(", ")}`,
      );
  }
  return node.finish({
    campaign: { emails },
    artifacts: emails.flatMap((email) => [
      artifact("campaign_composer", "email", `campaign/${email.step}.html`, "html", email.html, offline),
      artifact("campaign_composer", "email", `campaign/${email.step}.txt`, "text", email.text, offline),
    ]),
  });
}
