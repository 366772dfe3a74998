/**
 * Review gates on the real graph with the offline model and LangGraph's in-memory checkpointer
 * (the orchestrator uses the Postgres one; the interrupt/resume semantics are the same).
 */
import { Command, MemorySaver } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { isTransientError } from "../graph.ts";
import { buildPipeline } from "../graph.ts";
import type { PipelineState } from "../state.ts";
import { aContext, anIntake } from "../testing/builders.ts";
import { applyReviewEdits, parseReviewGates, ReviewEditError } from "./gates.ts";

function gatedGraph(reviewGates: string[]) {
  const graph = buildPipeline().compile({ checkpointer: new MemorySaver() });
  const config = { configurable: { thread_id: `t-${Math.random()}`, reviewGates } };
  const drain = async (input: unknown) => {
    const nodes: string[] = [];
    for await (const update of await graph.stream(input as never, { ...config, streamMode: "updates" })) {
      nodes.push(...Object.keys(update));
    }
    return nodes;
  };
  return { graph, config, drain };
}

describe("review gates in the graph", () => {
  it("when prd_review is enabled, then the run stops after the PRD with the PRD's artifacts, and a send-back re-runs the step with the comment", async () => {
    const { graph, config, drain } = gatedGraph(["prd_review"]);
    const first = await drain({ intake: anIntake(), context: aContext() });
    expect(first).toEqual(["intake_parser", "market_mapper", "product_doc_writer", "__interrupt__"]);
    const paused = await graph.getState(config);
    expect(paused.next).toEqual(["prd_review"]);
    expect(paused.tasks[0]!.interrupts[0]!.value).toEqual({
      gate: "prd_review",
      step: "product_doc_writer",
      artifacts: ["prd.md", "prd.json", "positioning.svg"],
    });

    const again = await drain(new Command({ resume: { decision: "send_back", comment: "Aim at vets." } }));
    expect(again).toEqual(["prd_review", "product_doc_writer", "__interrupt__"]);
    const state = (await graph.getState(config)).values as PipelineState;
    expect(state.reviewNotes.product_doc_writer).toBe("Aim at vets.");

    const rest = await drain(
      new Command({ resume: { decision: "edit", edits: { prd: { title: "Walkies" } } } }),
    );
    expect(rest.at(-1)).toBe("indication_okrs");
    const done = (await graph.getState(config)).values as PipelineState;
    expect(done.prd!.title).toBe("Walkies");
    const prdMd = done.artifacts.filter((a) => a.name === "prd.md").at(-1)!;
    expect(String(prdMd.body)).toContain("Walkies");
  });

  it("when no gate is enabled, then the run goes through without stopping", async () => {
    const { drain } = gatedGraph([]);
    const nodes = await drain({ intake: anIntake(), context: aContext() });
    expect(nodes).not.toContain("__interrupt__");
    expect(nodes.at(-1)).toBe("indication_okrs");
  });
});

describe("applyReviewEdits", () => {
  const state = (): Promise<PipelineState> =>
    buildPipeline().compile().invoke({ intake: anIntake(), context: aContext() }) as Promise<PipelineState>;

  it("when an edit is not acceptable, then the error names the field", async () => {
    const s = await state();
    const field = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        if (err instanceof ReviewEditError) return err.field;
        throw err;
      }
      return undefined;
    };
    expect(field(() => applyReviewEdits(s, "prd_review", { emails: [] }))).toBe("edits.emails");
    expect(field(() => applyReviewEdits(s, "prd_review", { prd: { personas: [] } }))).toBe(
      "edits.prd.personas",
    );
    expect(field(() => applyReviewEdits(s, "prd_review", { prd: { colour: "x" } as never }))).toBe(
      "edits.prd.colour",
    );
    expect(
      field(() =>
        applyReviewEdits(s, "campaign_review", {
          emails: [{ step: "demo", text: "Go to https://evil.example now" }],
        }),
      ),
    ).toBe("edits.emails[0].text");
    expect(
      field(() =>
        applyReviewEdits(s, "campaign_review", { emails: [{ step: "demo", html: "<p>Hello</p>" }] }),
      ),
    ).toBe("edits.emails[0].html");
  });

  it("when emails are edited, then only the given fields change and their artifacts are re-rendered", async () => {
    const s = await state();
    const update = applyReviewEdits(s, "campaign_review", {
      emails: [{ step: "calendar", subject: "Let's talk" }],
    });
    const emails = update.campaign!.emails;
    expect(emails.find((e) => e.step === "calendar")!.subject).toBe("Let's talk");
    expect(emails.find((e) => e.step === "demo")).toEqual(s.campaign!.emails.find((e) => e.step === "demo"));
    expect(update.artifacts!.map((a) => a.name)).toContain("campaign/calendar.html");
  });
});

describe("configuration of gates and retries", () => {
  it("when AGENCY_REVIEW_GATES is unset, a list or none, then it parses; an unknown gate is named", () => {
    expect(parseReviewGates(undefined)).toEqual(["prd_review", "campaign_review"]);
    expect(parseReviewGates("none")).toEqual([]);
    expect(parseReviewGates(" campaign_review ")).toEqual(["campaign_review"]);
    expect(() => parseReviewGates("prd_review,qa")).toThrow(/AGENCY_REVIEW_GATES.*qa/);
  });

  it("when an error is a rate limit, a 5xx or marked transient, then the node retries it; a budget stop or a 400 never", () => {
    expect(isTransientError({ status: 429 })).toBe(true);
    expect(isTransientError({ status: 503 })).toBe(true);
    expect(isTransientError({ transient: true })).toBe(true);
    expect(isTransientError({ retryable: true })).toBe(true);
    expect(isTransientError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }))).toBe(true);
    expect(isTransientError({ status: 400 })).toBe(false);
    expect(isTransientError({ name: "BudgetExceededError", status: 503 })).toBe(false);
    expect(isTransientError(new Error("invalid draft"))).toBe(false);
  });
});
