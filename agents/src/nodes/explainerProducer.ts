import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { artifact, jsonArtifactBody } from "../artifacts.ts";
import { INSTRUCTIONS } from "../prompts.ts";
import { explainerHtml } from "../render/explainer.ts";
import { renderExplainerMp4 } from "../render/video.ts";
import { scriptMarkdown } from "../render/markdown.ts";
import { wireframeSvg } from "../render/svg.ts";
import { explainerSchema } from "../schemas.ts";
import { type PipelineState, requireChannel } from "../state.ts";
import { nodeRuntime } from "./common.ts";

/**
 * Storyboards an explainer from the wireframes and renders a playable HTML version, plus a narrated
 * MP4 when ffmpeg and espeak-ng are installed (the reason is recorded when they are not).
 */
export async function explainerProducer(
  state: PipelineState,
  config?: LangGraphRunnableConfig,
): Promise<Partial<PipelineState>> {
  const brief = requireChannel(state, "brief", "explainer_producer");
  const wireframes = requireChannel(state, "wireframes", "explainer_producer");
  const node = nodeRuntime(state, config, "explainer_producer");
  const { offline } = node;
  const explainer = await node.draft({
    step: "explainer_producer",
    instructions: INSTRUCTIONS.explainer_producer,
    input: { brief, wireframes },
    schema: explainerSchema,
  });
  // Re-rendering is deterministic, so the player shows exactly the stored wireframes.
  const svgs = new Map(
    wireframes.screens.map((s) => [s.id, wireframeSvg(s, wireframes.productName, offline)]),
  );
  const video = await renderExplainerMp4(explainer, svgs);
  return node.finish({
    explainer,
    explainerVideo: video.mp4
      ? {
          mp4: `explainer/explainer.mp4`,
          seconds: video.seconds ?? explainer.totalSeconds,
          renderMs: video.ms,
        }
      : { reason: video.reason ?? "not rendered" },
    artifacts: [
      artifact(
        "explainer_producer",
        "storyboard",
        "explainer/storyboard.json",
        "json",
        jsonArtifactBody(explainer, offline),
        offline,
      ),
      artifact(
        "explainer_producer",
        "explainer-script",
        "explainer/script.md",
        "markdown",
        scriptMarkdown(explainer, offline),
        offline,
      ),
      artifact(
        "explainer_producer",
        "explainer",
        "explainer/index.html",
        "html",
        explainerHtml(explainer, svgs, offline),
        offline,
        "videos",
      ),
      ...(video.mp4
        ? [
            {
              step: "explainer_producer" as const,
              kind: "explainer-video",
              name: "explainer/explainer.mp4",
              contentType: "video/mp4",
              prefix: "videos" as const,
              body: video.mp4,
              offlineDraft: offline,
            },
          ]
        : []),
    ],
  });
}
