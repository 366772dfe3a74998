/**
 * Gates and rubric scores over a finished run's state. Gates are checks an agency would refuse to
 * ship without; rubric criteria measure how specific and complete an artifact is, each in [0, 1].
 */
import type { Artifact, ProjectContext } from "../contracts.ts";
import { campaignLinks, disallowedLinks } from "../render/email.ts";
import { briefSchema, marketSchema, okrsSchema, prdSchema } from "../schemas.ts";
import type { PipelineState } from "../state.ts";
import type { ArtifactQuality, Gate, QualityArtifact, QualityReport } from "./report.ts";

export const MIN_COMPARABLES = 3;

const gate = (id: string, passed: boolean, ok: string, fail: string): Gate => ({
  id,
  passed,
  reason: passed ? ok : fail,
});
const ratio = (n: number, d: number): number => (d <= 0 ? 0 : Math.max(0, Math.min(1, n / d)));
const round = (n: number): number => Math.round(n * 1000) / 1000;

function entry(artifact: QualityArtifact, gates: Gate[], rubric: Record<string, number>): ArtifactQuality {
  const values = Object.values(rubric);
  const rounded = Object.fromEntries(Object.entries(rubric).map(([k, v]) => [k, round(v)]));
  return {
    artifact,
    passed: gates.every((g) => g.passed),
    gates,
    rubric: rounded,
    score: round(values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0),
  };
}

const missing = (artifact: QualityArtifact, what: string): ArtifactQuality =>
  entry(artifact, [gate("present", false, "", `${what} is missing from the run`)], { present: 0 });

/**
 * XML well-formedness without a parser dependency: every tag closes in order, attributes are quoted,
 * and entities are known. Enough for the renderer's own output, strict enough to catch breakage.
 */
export function wellFormedXml(xml: string): string | undefined {
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, "").replace(/<!--[\s\S]*?-->/g, "");
  const stack: string[] = [];
  for (const m of body.matchAll(
    /<(\/?)([a-zA-Z][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>|<|&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/gi,
  )) {
    if (m[0] === "<") return `stray "<" at ${m.index}`;
    if (m[0] === "&") return `bare "&" at ${m.index}`;
    const [, closing, name, , selfClosing] = m;
    if (closing) {
      if (stack.pop() !== name) return `</${name}> closes the wrong element at ${m.index}`;
    } else if (!selfClosing) stack.push(name!);
  }
  return stack.length ? `unclosed <${stack.at(-1)}>` : undefined;
}

const EXTERNAL = [
  /<(?:script|link|img|iframe|embed|object|source|video|audio)\b[^>]*\b(?:src|href|data)\s*=\s*["']?(?:https?:)?\/\//i,
  /url\(\s*["']?(?:https?:)?\/\//i,
  /@import/i,
];

function textArtifacts(artifacts: readonly Artifact[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const a of artifacts) if (typeof a.body === "string") map.set(a.name, a.body);
  return map;
}

export function evaluateRun(
  state: PipelineState,
  draftingModel: string,
  extra: readonly Artifact[] = [],
): QualityReport {
  const files = textArtifacts([...(state.artifacts ?? []), ...extra]);
  const { brief, market, prd, wireframes, prototype, explainer, campaign, okrs } = state;
  const artifacts: ArtifactQuality[] = [];

  // Brief
  if (!brief) artifacts.push(missing("brief", "the brief"));
  else {
    const fromIdea = brief.keyFeatures.filter((f) => f.source === "idea").length;
    artifacts.push(
      entry(
        "brief",
        [
          gate(
            "schema",
            briefSchema.safeParse(brief).success,
            "matches the brief schema",
            "does not match the brief schema",
          ),
          gate(
            "features",
            brief.keyFeatures.length >= 3,
            `${brief.keyFeatures.length} key features`,
            "fewer than 3 key features",
          ),
        ],
        {
          featuresFromIdea: ratio(fromIdea, brief.keyFeatures.length),
          usersNamed: ratio(brief.targetUsers.filter((u) => u.source === "idea").length, 1),
          constraintsKnown: ratio(
            Number(Boolean(brief.constraints.budget)) + Number(Boolean(brief.constraints.timeline)),
            2,
          ),
        },
      ),
    );
  }

  // Market
  if (!market) artifacts.push(missing("market", "the market map"));
  else {
    const sourceIds = new Set(market.sources.map((s) => s.id));
    const unsourced = market.comparables.filter((c) => !sourceIds.has(c.sourceId));
    artifacts.push(
      entry(
        "market",
        [
          gate(
            "schema",
            marketSchema.safeParse(market).success,
            "matches the market schema",
            "does not match the market schema",
          ),
          gate(
            "comparables",
            market.comparables.length >= MIN_COMPARABLES,
            `${market.comparables.length} comparable products`,
            `only ${market.comparables.length} comparables (need ${MIN_COMPARABLES})`,
          ),
          gate(
            "sourced",
            unsourced.length === 0,
            "every comparable cites a source",
            `comparables without a listed source: ${unsourced.map((c) => c.name).join(", ")}`,
          ),
          gate(
            "retrieval",
            (market.retrieval?.length ?? 0) > 0,
            `${market.retrieval?.length} retrieved sources recorded`,
            "no retrieval sources recorded",
          ),
        ],
        {
          overlap: ratio(
            market.comparables.filter((c) => c.matchedTerms.length > 0).length,
            market.comparables.length,
          ),
          breadth: ratio(new Set(market.comparables.map((c) => c.sourceId.split("/")[1])).size, 2),
          differentiators: ratio(market.differentiators.length, 3),
        },
      ),
    );
  }

  // PRD
  if (!prd || !brief || !market) artifacts.push(missing("prd", "the PRD"));
  else {
    const md = files.get("prd.md") ?? "";
    const sections = [
      "Problem",
      "Personas",
      "Competitive landscape",
      "Scope",
      "User stories",
      "Metrics",
      "Risks",
      "Sources",
    ];
    const absent = sections.filter((s) => !new RegExp(`^## ${s}`, "m").test(md));
    const filled = {
      problem: prd.problem.length > 20,
      personas: prd.personas.length >= 1,
      competitive: prd.competitive.rows.length >= 1,
      scope: prd.scope.in.length >= 1 && prd.scope.out.length >= 1,
      stories: prd.userStories.length >= 3 && prd.userStories.every((u) => u.acceptance.length >= 2),
      metrics: prd.metrics.length >= 2,
      risks: prd.risks.length >= 2,
    };
    const empty = Object.entries(filled)
      .filter(([, ok]) => !ok)
      .map(([k]) => k);
    const known = new Set(market.sources.map((s) => s.id));
    const uncited = prd.sources.filter((s) => !known.has(s.id) || !md.includes(s.id));
    const terms = brief.keywords.slice(0, 8).map((k) => k.term.toLowerCase());
    const text = md.toLowerCase();
    const featureIds = new Set(brief.keyFeatures.map((f) => f.id));
    artifacts.push(
      entry(
        "prd",
        [
          gate(
            "schema",
            prdSchema.safeParse(prd).success,
            "matches the PRD schema",
            "does not match the PRD schema",
          ),
          gate(
            "sections",
            absent.length === 0,
            "all required sections present",
            `sections missing: ${absent.join(", ")}`,
          ),
          gate(
            "filled",
            empty.length === 0,
            "every section filled",
            `sections too thin: ${empty.join(", ")}`,
          ),
          gate(
            "cites-sources",
            prd.sources.length > 0 && uncited.length === 0,
            `cites ${prd.sources.length} market sources`,
            prd.sources.length
              ? `cites unknown or unlisted sources: ${uncited.map((s) => s.id).join(", ")}`
              : "cites no sources",
          ),
          gate(
            "about-this-idea",
            text.includes(brief.productName.toLowerCase()) && terms.some((t) => text.includes(t)),
            "names the product and the idea's terms",
            "does not mention the product or the idea's key terms",
          ),
        ],
        {
          keywordCoverage: ratio(terms.filter((t) => text.includes(t)).length, terms.length),
          storiesTracedToFeatures: ratio(
            prd.userStories.filter((u) => featureIds.has(u.featureId)).length,
            prd.userStories.length,
          ),
          acceptanceDepth: ratio(
            prd.userStories.reduce((n, u) => n + Math.min(u.acceptance.length, 3), 0),
            prd.userStories.length * 3,
          ),
          positioning: ratio(prd.competitive.rows.length, 3),
        },
      ),
    );
  }

  // Wireframes
  if (!wireframes) artifacts.push(missing("wireframes", "the wireframes"));
  else {
    const problems: string[] = [];
    let labelled = 0;
    let regions = 0;
    for (const screen of wireframes.screens) {
      const svg = files.get(`wireframes/${screen.id}.svg`);
      if (!svg) {
        problems.push(`${screen.id}: no SVG`);
        continue;
      }
      const bad = wellFormedXml(svg);
      if (bad || !/^(<\?xml[^>]*>\s*)?<svg\b[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/.test(svg)) {
        problems.push(`${screen.id}: not well-formed SVG (${bad ?? "no svg root"})`);
      }
      for (const r of screen.regions) {
        regions++;
        const group = svg.match(new RegExp(`<g id="region-${r.id}"[^>]*>([\\s\\S]*?)</g>`))?.[1];
        if (group && /<text\b/.test(group)) labelled++;
        else problems.push(`${screen.id}: region ${r.id} has no labelled group`);
      }
    }
    artifacts.push(
      entry(
        "wireframes",
        [
          gate(
            "valid-svg",
            !problems.some((p) => p.includes("SVG")),
            `${wireframes.screens.length} well-formed SVGs`,
            problems.filter((p) => p.includes("SVG")).join("; "),
          ),
          gate(
            "labelled-regions",
            labelled === regions,
            `${regions} labelled regions`,
            problems.filter((p) => p.includes("region")).join("; "),
          ),
        ],
        {
          screensPerFeature: ratio(
            wireframes.screens.filter((s) => s.featureId).length,
            Math.max(1, wireframes.screens.length - 1),
          ),
          regionVariety: ratio(
            new Set(wireframes.screens.flatMap((s) => s.regions.map((r) => r.pattern))).size,
            6,
          ),
        },
      ),
    );
  }

  // Prototype
  if (!prototype || !wireframes) artifacts.push(missing("prototype", "the prototype"));
  else {
    const html = files.get(prototype.entry) ?? "";
    const built = new Set(prototype.screens.map((s) => s.id));
    const absentScreens = wireframes.screens.filter((s) => !built.has(s.id)).map((s) => s.id);
    const external = EXTERNAL.filter((re) => re.test(html));
    const csp = /http-equiv="Content-Security-Policy" content="default-src 'none'/.test(html);
    const build = prototype.build;
    artifacts.push(
      entry(
        "prototype",
        [
          gate(
            "compiled",
            html.length > 0,
            `compiled and bundled (${prototype.bytes} bytes)`,
            "no bundled prototype page",
          ),
          gate(
            "key-screens",
            absentScreens.length === 0,
            `all ${built.size} wireframed screens present`,
            `screens missing: ${absentScreens.join(", ")}`,
          ),
          gate(
            "no-external-resources",
            external.length === 0 && csp,
            "self-contained, CSP forbids network",
            "loads or may load external resources",
          ),
          ...(build?.fallback && build.attempts > 0
            ? [
                gate(
                  "model-screen",
                  true,
                  `model-written screen failed ${build.attempts} compile attempts; proven pattern used`,
                  "",
                ),
              ]
            : []),
        ],
        {
          sizeBudget: html.length < 250_000 ? 1 : ratio(250_000, html.length),
          compileFirstTry: build && build.attempts > 0 ? (build.fallback ? 0 : ratio(1, build.attempts)) : 1,
        },
      ),
    );
  }

  // Explainer
  if (!explainer || !wireframes) artifacts.push(missing("explainer", "the explainer"));
  else {
    let clock = 0;
    let drift = 0;
    for (const s of explainer.scenes) {
      drift = Math.max(drift, Math.abs(s.startSeconds - clock));
      clock += s.durationSeconds;
    }
    drift = Math.max(drift, Math.abs(explainer.totalSeconds - clock));
    const screens = new Set(wireframes.screens.map((s) => s.id));
    const unknown = explainer.scenes.filter((s) => !screens.has(s.screenId)).map((s) => s.id);
    const video = state.explainerVideo;
    const words = explainer.scenes.map((s) => s.narration.split(/\s+/).length / s.durationSeconds);
    artifacts.push(
      entry(
        "explainer",
        [
          gate(
            "timings",
            drift < 0.1,
            `scenes add up to ${clock.toFixed(1)} s`,
            `scene timings drift by ${drift.toFixed(2)} s`,
          ),
          gate(
            "scenes-from-wireframes",
            unknown.length === 0,
            "every scene shows a wireframe",
            `scenes on unknown screens: ${unknown.join(", ")}`,
          ),
          gate(
            "player",
            files.has("explainer/index.html"),
            "playable HTML explainer",
            "no explainer/index.html",
          ),
          video && "mp4" in video
            ? gate("mp4", true, `narrated MP4 of ${video.seconds.toFixed(1)} s`, "")
            : gate("mp4", true, `no MP4: ${video?.reason ?? "not attempted"}`, ""),
        ],
        {
          pacing: ratio(words.filter((w) => w <= 3).length, words.length),
          coverage: ratio(new Set(explainer.scenes.map((s) => s.screenId)).size, screens.size),
          narrated: video && "mp4" in video ? 1 : 0,
        },
      ),
    );
  }

  // Campaign
  if (!campaign) artifacts.push(missing("campaign", "the campaign"));
  else {
    const links = safeLinks(state.context);
    const allowed = links ? Object.values(links) : [];
    const bad = campaign.emails.flatMap((e) => [
      ...disallowedLinks(e.html, allowed),
      ...disallowedLinks(e.text, allowed),
    ]);
    const unsub = links
      ? campaign.emails.filter(
          (e) => !e.html.includes(links.unsubscribe) || !e.text.includes(links.unsubscribe),
        )
      : campaign.emails;
    const steps = campaign.emails.map((e) => e.step).join(",");
    artifacts.push(
      entry(
        "campaign",
        [
          gate(
            "three-emails",
            steps === "demo,prototype,calendar",
            "demo, prototype and calendar emails",
            `emails are ${steps}`,
          ),
          gate(
            "allowed-links",
            bad.length === 0,
            "links only to the project's pages and the booking link",
            `disallowed links: ${bad.join(", ")}`,
          ),
          gate(
            "unsubscribe",
            unsub.length === 0,
            "unsubscribe link in every HTML and text part",
            `no unsubscribe in: ${unsub.map((e) => e.step).join(", ")}`,
          ),
          gate(
            "parts",
            campaign.emails.every((e) => e.subject && e.preheader && e.html && e.text),
            "subject, preheader, HTML and text in each",
            "an email lacks a part",
          ),
        ],
        {
          subjectLength: ratio(
            campaign.emails.filter((e) => e.subject.length <= 60).length,
            campaign.emails.length,
          ),
          personal: brief
            ? ratio(
                campaign.emails.filter((e) => e.text.includes(brief.productName)).length,
                campaign.emails.length,
              )
            : 0,
        },
      ),
    );
  }

  // OKRs
  if (!okrs) artifacts.push(missing("okrs", "the OKRs"));
  else {
    const krs = okrs.objectives.flatMap((o) => o.keyResults);
    const vague = krs.filter((k) => k.target === k.baseline || !k.unit.trim() || !k.metric.trim());
    const late = krs.filter((k) => k.deadline.weeksFromKickoff > okrs.horizonWeeks);
    artifacts.push(
      entry(
        "okrs",
        [
          gate(
            "schema",
            okrsSchema.safeParse(okrs).success,
            "matches the OKR schema",
            "does not match the OKR schema",
          ),
          gate(
            "measurable",
            vague.length === 0,
            `${krs.length} key results with metric, unit, baseline and target`,
            `not measurable: ${vague.map((k) => k.id).join(", ")}`,
          ),
          gate(
            "within-horizon",
            late.length === 0,
            `all due within ${okrs.horizonWeeks} weeks`,
            `past the horizon: ${late.map((k) => k.id).join(", ")}`,
          ),
        ],
        {
          krsPerObjective: ratio(krs.length, okrs.objectives.length * 3),
          tiedToPrdMetrics: prd
            ? ratio(
                krs.filter((k) =>
                  prd.metrics.some((m) =>
                    k.metric.toLowerCase().includes(m.name.toLowerCase().split(" ")[0] ?? ""),
                  ),
                ).length,
                krs.length,
              )
            : 0,
        },
      ),
    );
  }

  const gates = artifacts.flatMap((a) => a.gates);
  return {
    draftingModel,
    passed: artifacts.every((a) => a.passed),
    gatesPassed: gates.filter((g) => g.passed).length,
    gatesTotal: gates.length,
    score: round(artifacts.reduce((t, a) => t + a.score, 0) / artifacts.length),
    artifacts,
  };
}

function safeLinks(context: ProjectContext | undefined) {
  try {
    return context ? campaignLinks(context) : undefined;
  } catch {
    return undefined;
  }
}
