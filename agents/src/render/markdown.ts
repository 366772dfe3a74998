/**
 * Markdown documents: market map, PRD, explainer script, OKRs. All drafted text goes through
 * escapeMarkdown, so intake text cannot open links, HTML or table cells.
 */
import { OFFLINE_NOTICE } from "../artifacts.ts";
import type { Brief, Explainer, Market, Okrs, Prd } from "../schemas.ts";
import { escapeMarkdown as md } from "./escape.ts";

function header(title: string, offline: boolean): string[] {
  return [`# ${md(title)}`, "", ...(offline ? [`> ${OFFLINE_NOTICE}`, ""] : [])];
}

function table(columns: string[], rows: string[][]): string[] {
  return [
    `| ${columns.map(md).join(" | ")} |`,
    `| ${columns.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(md).join(" | ")} |`),
  ];
}

const amount = (n: number): string => n.toLocaleString("en-US");

function budgetReading(budget: NonNullable<Brief["constraints"]["budget"]>): string {
  if (budget.max === undefined) return "";
  const range =
    budget.min === undefined || budget.min === budget.max
      ? amount(budget.max)
      : `${amount(budget.min)} to ${amount(budget.max)}`;
  return ` (read as ${range}${budget.currency ? ` ${budget.currency}` : ""})`;
}

const list = (items: string[]): string[] => items.map((i) => `- ${md(i)}`);
const end = (lines: string[]): string =>
  `${lines
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd()}\n`;

export function marketMapMarkdown(market: Market, brief: Brief, offline: boolean): string {
  return end([
    ...header(`Market map: ${brief.productName}`, offline),
    `Sector: **${md(market.sector.name)}**. ${md(market.sector.description)}`,
    ...(brief.sectorFit?.mismatch
      ? ["", `Filed under ${md(brief.sectorFit.filed.name)}; reads as ${md(brief.sectorFit.readsAs.label)}. This map uses ${md(market.sector.name)}.`]
      : []),
    "",
    "## Comparable products",
    "",
    ...table(
      ["Product", "Positioning", "Price point", "Score", "Why it is here"],
      market.comparables.map((c) => [c.name, c.positioning, c.pricePoint, String(c.score), c.why]),
    ),
    "",
    "Score: each word of the idea a product shares counts (twice in its tags, more for the idea's key concepts), plus 0.5 for the same sector. Products come from the whole knowledge base.",
    "",
    ...market.comparables.flatMap((c) => [
      `### ${md(c.name)}`,
      "",
      `- Strengths: ${md(c.strengths.join("; "))}`,
      `- Weaknesses: ${md(c.weaknesses.join("; "))}`,
      `- Matched terms: ${c.matchedTerms.length ? md(c.matchedTerms.join(", ")) : "none"}`,
      `- Source: \`${c.sourceId}\``,
      "",
    ]),
    "## Sector patterns",
    "",
    ...list(market.patterns),
    "",
    "## Pricing",
    "",
    ...table(
      ["Model", "How it works", "Typical price"],
      market.pricingModels.map((p) => [p.name, p.description, p.typicalPrice]),
    ),
    "",
    `Recommended: **${md(market.recommendedPricing.model)}**. ${md(market.recommendedPricing.rationale)}`,
    "",
    "## Where we can differ",
    "",
    ...list(market.differentiators),
    "",
    "## Sources",
    "",
    ...market.sources.map((s) => `- \`${s.id}\`: ${md(s.title)}`),
    ...(market.retrieval?.length
      ? [
          "",
          "## Retrieved from the knowledge base",
          "",
          ...table(
            ["Source", "Collection", "Score"],
            market.retrieval.map((r) => [r.id, r.collection, r.score.toFixed(3)]),
          ),
        ]
      : []),
  ]);
}

export function prdMarkdown(prd: Prd, brief: Brief, offline: boolean): string {
  const budget = brief.constraints.budget;
  const timeline = brief.constraints.timeline;
  return end([
    ...header(prd.title, offline),
    md(prd.summary),
    "",
    "## Problem",
    "",
    md(prd.problem),
    "",
    "The client's words:",
    "",
    `> ${md(brief.idea)}`,
    "",
    "## Goals and constraints",
    "",
    ...list(brief.goals),
    ...(budget ? [`- Budget: ${md(budget.raw)}${budgetReading(budget)}`] : []),
    ...(timeline
      ? [
          `- Timeline: ${md(timeline.raw)}${timeline.weeks ? ` (${timeline.weeks} weeks)` : timeline.deadline ? ` (deadline: ${md(timeline.deadline)})` : " (not read as a duration or a date)"}`,
        ]
      : []),
    ...list((brief.constraints.platform ?? []).map((c) => `Platform constraint: ${c}`)),
    ...list((brief.constraints.integrations ?? []).map((c) => `Integration: ${c}`)),
    ...list(brief.constraints.notes),
    ...(brief.language && brief.language.code !== "en"
      ? [`- Intake language: ${md(brief.language.name)}; the drafts are in English.`]
      : []),
    "",
    ...(prd.openQuestions?.length ? ["## Open questions", "", ...list(prd.openQuestions), ""] : []),
    "## Personas",
    "",
    ...prd.personas.flatMap((p) => [
      `### ${md(p.name)}`,
      "",
      md(p.role),
      "",
      ...list(p.needs.map((n) => `Needs ${n}`)),
      "",
    ]),
    "## Competitive landscape",
    "",
    ...table(
      ["Product", "Positioning", "Price", "Gap we can use"],
      prd.competitive.rows.map((r) => [r.product, r.positioning, r.price, r.gap]),
    ),
    "",
    md(prd.competitive.ourPosition),
    "",
    ...(prd.positioning
      ? [
          "### Positioning",
          "",
          "![Competitive positioning](positioning.svg)",
          "",
          `${md(prd.positioning.xAxis.label)} runs left to right (${md(prd.positioning.xAxis.low)} to ${md(prd.positioning.xAxis.high)}), ${md(prd.positioning.yAxis.label.toLowerCase())} bottom to top (${md(prd.positioning.yAxis.low)} to ${md(prd.positioning.yAxis.high)}), both from 0 to 100:`,
          "",
          ...list(
            prd.positioning.points.map(
              (p) =>
                `${p.ours ? `${p.name} (ours)` : p.name}: ${Math.round(p.x * 100)} and ${Math.round(p.y * 100)}`,
            ),
          ),
          "",
        ]
      : []),
    "## Scope",
    "",
    "### In scope",
    "",
    ...list(prd.scope.in),
    "",
    "### Out of scope for the first release",
    "",
    ...list(prd.scope.out),
    "",
    ...(prd.requirements?.length
      ? [
          "## Requirement pool",
          "",
          ...table(
            ["ID", "Priority", "Requirement", "Traces to"],
            prd.requirements.map((r) => [r.id, r.priority, r.requirement, r.featureId ?? r.origin]),
          ),
          "",
        ]
      : []),
    ...(prd.userFlow?.length
      ? ["## User flow", "", ...prd.userFlow.map((s) => `${s.step}. ${md(s.action)} (screen \`${s.screenId}\`)`), ""]
      : []),
    "## User stories",
    "",
    ...prd.userStories.flatMap((s) => [
      `### ${md(s.id)}: ${md(s.want)}`,
      "",
      `- Who: ${md(s.persona)}`,
      `- Wants to: ${md(s.want)}`,
      `- Why: ${md(s.benefit)}`,
      `- Feature: \`${s.featureId}\``,
      "",
      "Acceptance criteria:",
      "",
      ...list(s.acceptance),
      "",
    ]),
    "## Metrics",
    "",
    ...table(
      ["Metric", "Definition", "Target"],
      prd.metrics.map((m) => [m.name, m.definition, m.target]),
    ),
    "",
    "## Risks",
    "",
    ...table(
      ["Risk", "Mitigation"],
      prd.risks.map((r) => [r.risk, r.mitigation]),
    ),
    "",
    "## Sources",
    "",
    ...prd.sources.map((s) => `- \`${s.id}\`: ${md(s.title)}`),
  ]);
}

export function scriptMarkdown(explainer: Explainer, offline: boolean): string {
  return end([
    ...header(`Explainer script: ${explainer.title}`, offline),
    `Total ${explainer.totalSeconds} s at ${explainer.wordsPerSecond} words per second.`,
    "",
    ...explainer.scenes.flatMap((s, i) => [
      `## Scene ${i + 1}: ${md(s.caption)}`,
      "",
      `- Screen: \`${s.screenId}\``,
      `- Starts at ${s.startSeconds} s, lasts ${s.durationSeconds} s`,
      "",
      md(s.narration),
      "",
    ]),
  ]);
}

export function okrsMarkdown(okrs: Okrs, brief: Brief, offline: boolean): string {
  return end([
    ...header(`OKRs: ${brief.productName}`, offline),
    `Horizon: ${okrs.horizonWeeks} weeks from kickoff.`,
    "",
    ...okrs.objectives.flatMap((o) => [
      `## ${md(o.id)}: ${md(o.title)}`,
      "",
      ...table(
        ["Key result", "Metric", "Baseline", "Target", "Unit", "Deadline"],
        o.keyResults.map((k) => [
          `${k.id} ${k.description}`,
          k.metric,
          String(k.baseline),
          String(k.target),
          k.unit,
          k.deadline.label,
        ]),
      ),
      "",
    ]),
  ]);
}
