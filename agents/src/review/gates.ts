/**
 * Review gates: a person approves, edits or sends back a step's output before the pipeline goes
 * on. Each gate is a node that calls `interrupt()`; the run then waits in its checkpoint until an
 * operator's decision arrives as `new Command({ resume: decision })`, in whatever process resumes
 * it. Gates are off unless `configurable.reviewGates` lists them, so a graph run without a
 * checkpointer (tests, scripts) never stops.
 */
import { Command, interrupt, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { artifact, jsonArtifactBody } from "../artifacts.ts";
import type { Artifact, CampaignEmail, StepName } from "../contracts.ts";
import { campaignLinks, disallowedLinks } from "../render/email.ts";
import { prdMarkdown } from "../render/markdown.ts";
import { prdSchema } from "../schemas.ts";
import { type PipelineState, requireChannel } from "../state.ts";
import { z } from "zod";
import {
  REVIEW_GATES,
  REVIEW_GATE_NAMES,
  ReviewEditError,
  type ReviewDecision,
  type ReviewEdits,
  type ReviewGate,
  type ReviewRequest,
} from "./gate-names.ts";

export * from "./gate-names.ts";

/** `configurable.reviewGates`: the gates to stop at. Part of ConfigurationSchema (configuration.ts). */
const REVIEW_GATES_MESSAGE = `configurable.reviewGates must be an array of ${REVIEW_GATE_NAMES.join(", ")}`;
export const reviewGatesSchema = z.array(
  z.enum(REVIEW_GATE_NAMES as [ReviewGate, ...ReviewGate[]], { error: REVIEW_GATES_MESSAGE }),
  { error: REVIEW_GATES_MESSAGE },
);

export function enabledGates(config: LangGraphRunnableConfig | undefined): ReviewGate[] {
  const value: unknown = config?.configurable?.["reviewGates"];
  if (value === undefined) return [];
  const parsed = reviewGatesSchema.safeParse(value);
  if (!parsed.success) throw new Error(REVIEW_GATES_MESSAGE);
  return parsed.data;
}

/** The route after a reviewed step: through its gate when enabled, else straight on. */
export function routeAfter(gate: ReviewGate) {
  const { next } = REVIEW_GATES[gate];
  return (_state: PipelineState, config?: LangGraphRunnableConfig): ReviewGate | typeof next =>
    enabledGates(config).includes(gate) ? gate : next;
}

/** The newest artifact of each name the step produced (a sent-back step produces them again). */
function latestArtifacts(state: PipelineState, step: StepName): Artifact[] {
  const byName = new Map<string, Artifact>();
  for (const a of state.artifacts) if (a.step === step) byName.set(a.name, a);
  return [...byName.values()];
}

/**
 * Applies an operator's edits to the state, as the update the gate returns: the changed channel
 * plus re-rendered artifacts under the same names, so the stored copies are replaced. Throws
 * ReviewEditError naming the field when an edit is not acceptable; the API calls this too, to
 * refuse a bad edit before anything is resumed.
 */
export function applyReviewEdits(
  state: PipelineState,
  gate: ReviewGate,
  edits: ReviewEdits,
): Partial<PipelineState> {
  const allowed = gate === "prd_review" ? ["prd", "prd_markdown"] : ["emails"];
  for (const key of Object.keys(edits)) {
    if (!allowed.includes(key)) {
      throw new ReviewEditError(`edits.${key}`, `cannot be edited at ${gate}; edit ${allowed.join(" or ")}`);
    }
  }
  if (Object.keys(edits).length === 0) {
    throw new ReviewEditError("edits", `must change something: ${allowed.join(" or ")}`);
  }
  const { step } = REVIEW_GATES[gate];
  const previous = new Map(latestArtifacts(state, step).map((a) => [a.name, a]));
  const offline =
    previous.get(gate === "prd_review" ? "prd.md" : "campaign/demo.html")?.offlineDraft ?? false;
  if (gate === "prd_review") {
    const current = requireChannel(state, "prd", step);
    let prd = current;
    if (edits.prd !== undefined) {
      if (typeof edits.prd !== "object" || edits.prd === null || Array.isArray(edits.prd)) {
        throw new ReviewEditError("edits.prd", "must be an object of PRD fields");
      }
      const parsed = prdSchema.strict().safeParse({ ...current, ...edits.prd });
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const path = issue.code === "unrecognized_keys" ? issue.keys[0] : issue.path.join(".");
        throw new ReviewEditError(`edits.prd.${path}`, issue.message);
      }
      prd = parsed.data;
    }
    let markdown = prdMarkdown(prd, requireChannel(state, "brief", step), offline);
    if (edits.prd_markdown !== undefined) {
      if (typeof edits.prd_markdown !== "string" || edits.prd_markdown.trim() === "") {
        throw new ReviewEditError("edits.prd_markdown", "must be non-empty Markdown text");
      }
      if (/<\s*(script|iframe|object|embed)\b/i.test(edits.prd_markdown)) {
        throw new ReviewEditError(
          "edits.prd_markdown",
          "must not contain script, iframe, object or embed tags",
        );
      }
      markdown = edits.prd_markdown;
    }
    return {
      prd,
      artifacts: [
        artifact(step, "prd", "prd.md", "markdown", markdown, offline),
        artifact(step, "prd", "prd.json", "json", jsonArtifactBody(prd, offline), offline),
      ],
    };
  }

  const emails: CampaignEmail[] = requireChannel(state, "campaign", step).emails.map((e) => ({ ...e }));
  if (!Array.isArray(edits.emails) || edits.emails.length === 0) {
    throw new ReviewEditError(
      "edits.emails",
      "must be a non-empty array of { step, subject?, html?, text? }",
    );
  }
  const allowedLinks = Object.values(campaignLinks(state.context));
  edits.emails.forEach((edit, i) => {
    const at = `edits.emails[${i}]`;
    const email = emails.find((e) => e.step === edit?.step);
    if (!email) {
      throw new ReviewEditError(`${at}.step`, `must be one of ${emails.map((e) => e.step).join(", ")}`);
    }
    for (const key of Object.keys(edit)) {
      if (!["step", "subject", "html", "text"].includes(key)) {
        throw new ReviewEditError(`${at}.${key}`, "is not an editable email field (subject, html, text)");
      }
    }
    for (const field of ["subject", "html", "text"] as const) {
      const value = edit[field];
      if (value === undefined) continue;
      if (typeof value !== "string" || value.trim() === "") {
        throw new ReviewEditError(`${at}.${field}`, "must be non-empty text");
      }
      if (field === "subject" && /[\r\n]/.test(value)) {
        throw new ReviewEditError(`${at}.subject`, "must be one line");
      }
      const bad = disallowedLinks(value, allowedLinks);
      if (bad.length) {
        throw new ReviewEditError(
          `${at}.${field}`,
          `links outside the project (${bad.join(", ")}); only ${allowedLinks.join(", ")} are allowed`,
        );
      }
      if (field === "html" && /<\s*script\b|\son[a-z]+\s*=/i.test(value)) {
        throw new ReviewEditError(`${at}.html`, "must not contain scripts or event handlers");
      }
      email[field] = value;
    }
    if (edit.html !== undefined && !email.html.includes(campaignLinks(state.context).unsubscribe)) {
      throw new ReviewEditError(`${at}.html`, "must keep the unsubscribe link");
    }
  });
  return {
    campaign: { emails },
    artifacts: emails.flatMap((email) => [
      artifact(step, "email", `campaign/${email.step}.html`, "html", email.html, offline),
      artifact(step, "email", `campaign/${email.step}.txt`, "text", email.text, offline),
    ]),
  };
}

/** The gate node: waits for a decision, then goes on, goes on with edits, or sends the step back. */
export function reviewGate(gate: ReviewGate) {
  const { step, next } = REVIEW_GATES[gate];
  return async function gateNode(state: PipelineState): Promise<Command> {
    const request: ReviewRequest = {
      gate,
      step,
      artifacts: latestArtifacts(state, step).map((a) => a.name),
    };
    const decision = interrupt<ReviewRequest, ReviewDecision>(request);
    switch (decision?.decision) {
      case "approve":
        return new Command({ goto: next });
      case "edit":
        return new Command({ goto: next, update: applyReviewEdits(state, gate, decision.edits ?? {}) });
      case "send_back": {
        const comment = typeof decision.comment === "string" ? decision.comment.trim() : "";
        if (!comment) throw new Error(`${gate}: a send-back needs a comment for ${step}`);
        return new Command({ goto: step, update: { reviewNotes: { [step]: comment } } });
      }
      default:
        throw new Error(`${gate}: unknown review decision ${JSON.stringify(decision)}`);
    }
  };
}
