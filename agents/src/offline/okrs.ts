/**
 * Offline OKRs: objectives from the brief and sector, key results with numbers, deadlines in weeks
 * from kickoff so they stay deterministic and fit the client's timeline.
 */
import type { SectorProfile } from "../kb.ts";
import type { Brief, Okrs, Prd } from "../schemas.ts";
import { parseTimeline, sentenceCase } from "../text/index.ts";
import { agree, audienceOf } from "./grammar.ts";
import { featureAction } from "./prd.ts";

const DEFAULT_WEEKS = 12;

function deadline(weeks: number): Okrs["objectives"][number]["keyResults"][number]["deadline"] {
  return { weeksFromKickoff: weeks, label: `week ${weeks} after kickoff` };
}

/** "reach 500 paying users", "cut no-shows by 30%" → a number and its unit. */
export function goalTarget(goal: string): { target: number; unit: string } | undefined {
  for (const m of goal.matchAll(/(\d[\d,.]*)\s*(k\b)?\s*(%|percent|[a-z€$£-]+(?:\s+[a-z-]+)?)?/gi)) {
    const unit = (m[3] ?? "count").toLowerCase().replace("percent", "%");
    // "in 6 months" is the goal's horizon, not its target.
    if (/^(?:days?|weeks?|months?|quarters?|years?|wks?)\b/.test(unit)) continue;
    const target = Number((m[1] ?? "").replace(/,/g, "")) * (m[2] ? 1000 : 1);
    if (Number.isFinite(target)) return { target, unit };
  }
  return undefined;
}

export function draftOkrs(brief: Brief, prd: Prd, sector: SectorProfile): Okrs {
  const weeks = brief.constraints.timeline?.weeks ?? DEFAULT_WEEKS;
  const mid = Math.max(1, Math.round(weeks / 2));
  const audience = audienceOf(brief);
  const scale = (brief.constraints.budget?.max ?? 20_000) >= 50_000 ? 2 : 1;

  const objectives: Okrs["objectives"] = [
    {
      id: "O1",
      title: `Prove that ${audience} ${agree(audience, "wants", "want")} ${brief.productName}`,
      keyResults: [
        {
          id: "KR1.1",
          description: `Interview ${audience} and test the prototype with them`,
          metric: "prototype test sessions",
          baseline: 0,
          target: 8 * scale,
          unit: "sessions",
          deadline: deadline(Math.max(1, Math.round(weeks / 4))),
        },
        {
          id: "KR1.2",
          description: `Collect sign-ups from people who asked to use ${brief.productName}`,
          metric: "waitlist sign-ups",
          baseline: 0,
          target: 100 * scale,
          unit: "sign-ups",
          deadline: deadline(mid),
        },
        {
          id: "KR1.3",
          description: sentenceCase(`${sector.metrics[0]} measured from launch`),
          metric: sector.metrics[0] ?? "active users",
          baseline: 0,
          target: 25 * scale,
          unit: "% over the launch-week baseline",
          deadline: deadline(weeks),
        },
      ],
    },
    {
      id: "O2",
      title: `Ship the key features of ${brief.productName} and make them easy to use`,
      keyResults: [
        {
          id: "KR2.1",
          description: `Release the in-scope features: ${brief.keyFeatures.map((f) => f.name.charAt(0).toLowerCase() + f.name.slice(1)).join("; ")}`,
          metric: "key features released",
          baseline: 0,
          target: brief.keyFeatures.length,
          unit: "features",
          deadline: deadline(weeks),
        },
        {
          id: "KR2.2",
          description: brief.keyFeatures[0]
            ? `Test users manage to ${featureAction(brief.keyFeatures[0])} without help`
            : "Test users complete the core task without help",
          metric: "task success rate",
          baseline: 0,
          target: 80,
          unit: "%",
          deadline: deadline(Math.max(1, weeks - 2)),
        },
        {
          id: "KR2.3",
          description: `Acceptance criteria of all ${prd.userStories.length} user stories pass`,
          metric: "user stories accepted",
          baseline: 0,
          target: prd.userStories.length,
          unit: "stories",
          deadline: deadline(weeks),
        },
      ],
    },
  ];

  const measurable = brief.goals
    .map((goal) => ({ goal, parsed: goalTarget(goal) }))
    .filter((g): g is { goal: string; parsed: { target: number; unit: string } } => g.parsed !== undefined);
  if (measurable.length) {
    objectives.push({
      id: "O3",
      title: "Reach the goals the client set",
      keyResults: [
        ...measurable.slice(0, 3).map(({ goal, parsed }, i) => ({
          id: `KR3.${i + 1}`,
          description: sentenceCase(goal),
          metric: goal.length > 60 ? `${goal.slice(0, 57)}...` : goal,
          baseline: 0,
          target: parsed.target,
          unit: parsed.unit,
          // A goal that names its own horizon ("in 6 months") keeps it.
          deadline: deadline(parseTimeline(goal).weeks ?? weeks),
        })),
        ...(measurable.length < 2
          ? [
              {
                id: `KR3.${measurable.length + 1}`,
                description: sentenceCase(`${sector.metrics[1] ?? "retention"} tracked weekly after launch`),
                metric: sector.metrics[1] ?? "retention",
                baseline: 0,
                target: 30,
                unit: "%",
                deadline: deadline(weeks),
              },
            ]
          : []),
      ],
    });
  }
  const horizonWeeks = Math.max(
    weeks,
    ...objectives.flatMap((o) => o.keyResults.map((k) => k.deadline.weeksFromKickoff)),
  );
  return { horizonWeeks, objectives };
}
