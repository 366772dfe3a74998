/**
 * Gates and rubric scores over a finished run's state. Gates are checks an agency would refuse to
 * ship without; rubric criteria measure how specific and complete an artifact is, each in [0, 1].
 * Nothing here trusts what the drafting model says about its own work: relevance is measured
 * against the intake (relevance.ts), sources against the knowledge base, files as rendered.
 *
 * Schema gates are gone: every draft is held to its schema before a step may finish, so a report
 * can never see one that fails. The OKR horizon is enforced the same way by indication_okrs.
 */
import type { Artifact, IntakeInput, ProjectContext } from "../contracts.ts";
import { campaignLinks, disallowedLinks } from "../render/email.ts";
import type { PipelineState } from "../state.ts";
import { mentions } from "../text/index.ts";
import {
  briefGates,
  clientText,
  coverage,
  emailGates,
  ideaConcepts,
  inventedComparables,
  marketGates,
  okrGates,
  prdGates,
  prototypeCopy,
  wireframeGates,
} from "./relevance.ts";
import type { ArtifactQuality, Gate, QualityArtifact, QualityReport } from "./report.ts";

export { MIN_COMPARABLES } from "./relevance.ts";

const gate = (id: string, passed: boolean, ok: string, fail: string): Gate => ({
  id,
  passed,
  reason: passed ? ok : fail,
});
const ratio = (n: number, d: number): number => (d <= 0 ? 0 : Math.max(0, Math.min(1, n / d)));
const round = (n: number): number => Math.round(n * 1000) / 1000;

function entry(
  artifact: QualityArtifact,
  gates: Gate[],
  rubric: Record<string, number>,
  notes: string[] = [],
): ArtifactQuality {
  const values = Object.values(rubric);
  const rounded = Object.fromEntries(Object.entries(rubric).map(([k, v]) => [k, round(v)]));
  return {
    artifact,
    passed: gates.every((g) => g.passed),
    gates,
    rubric: rounded,
    score: round(values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0),
    ...(notes.length ? { notes } : {}),
  };
}

/** The gates that need the intake fail, saying so, when the state has none. */
const noIntake = (id: string): Gate[] => [
  gate(id, false, "", "no intake in the run's state to measure against"),
];

/** A binary body as stored in memory, or as read back from a checkpoint. */
function bytesOf(body: unknown): Buffer | undefined {
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const json = body as { type?: unknown; data?: unknown } | undefined;
  if (json?.type === "Buffer" && Array.isArray(json.data)) return Buffer.from(json.data as number[]);
  return undefined;
}

/** Duration in seconds from an MP4's movie header (mvhd), or undefined when it is not an MP4. */
export function mp4Seconds(bytes: Buffer): number | undefined {
  if (bytes.length < 32 || bytes.toString("latin1", 4, 8) !== "ftyp") return undefined;
  const at = bytes.indexOf("mvhd", 0, "latin1");
  const version = bytes[at + 4];
  if (at < 0 || at + (version === 1 ? 36 : 24) > bytes.length) return undefined;
  const timescale = bytes.readUInt32BE(at + (version === 1 ? 24 : 16));
  const duration = version === 1 ? Number(bytes.readBigUInt64BE(at + 28)) : bytes.readUInt32BE(at + 20);
  return timescale > 0 ? duration / timescale : undefined;
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
  const all = [...(state.artifacts ?? []), ...extra];
  const files = textArtifacts(all);
  const { brief, market, prd, wireframes, prototype, explainer, campaign, okrs } = state;
  const intake: IntakeInput | undefined = state.intake;
  const storiesOf = (p: NonNullable<typeof prd>) =>
    p.userStories.map((u) => [u.want, u.benefit, ...u.acceptance].join(". "));
  const mp4Gate = (name: string, expected: number): Gate => {
    const bytes = bytesOf(all.find((a) => a.name === name)?.body);
    const seconds = bytes ? mp4Seconds(bytes) : undefined;
    return gate(
      "mp4",
      seconds !== undefined && Math.abs(seconds - expected) <= Math.max(0.5, expected * 0.02),
      `narrated MP4 of ${seconds?.toFixed(1)} s, as long as the storyboard`,
      !bytes
        ? `no ${name} among the artifacts`
        : seconds === undefined
          ? `${name} is not a readable MP4`
          : `${name} lasts ${seconds.toFixed(1)} s, the storyboard ${expected.toFixed(1)} s`,
    );
  };
  const artifacts: ArtifactQuality[] = [];

  // Brief
  if (!brief) artifacts.push(missing("brief", "the brief"));
  else {
    const concepts = intake ? ideaConcepts(intake) : [];
    const source = intake ? clientText(intake) : "";
    const features = brief.keyFeatures.map((f) => `${f.name}. ${f.description}`);
    artifacts.push(
      entry("brief", intake ? briefGates(intake, brief) : noIntake("features-about-idea"), {
        featureCoverage: coverage(concepts, features, source).share,
        featuresOnConcepts: ratio(
          features.filter((f) => concepts.some((c) => mentions(f, c))).length,
          features.length,
        ),
        usersFromIdea: ratio(
          brief.targetUsers.filter((u) => concepts.some((c) => mentions(`${u.name} ${u.description}`, c)))
            .length,
          brief.targetUsers.length,
        ),
        constraintsKnown: ratio(
          Number(Boolean(brief.constraints.budget)) + Number(Boolean(brief.constraints.timeline)),
          2,
        ),
      }),
    );
  }

  // Market
  if (!market) artifacts.push(missing("market", "the market map"));
  else {
    const sourceIds = new Set(market.sources.map((s) => s.id));
    const unsourced = market.comparables.filter((c) => !sourceIds.has(c.sourceId));
    const invented = inventedComparables(market);
    artifacts.push(
      entry(
        "market",
        [
          ...marketGates(market),
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
          fromKnowledgeBase: ratio(market.comparables.length - invented.length, market.comparables.length),
          // Retrieval scores are computed by market_mapper from the brief, not claimed by the model.
          retrievedComparables: ratio(
            market.comparables.filter((c) =>
              market.retrieval?.some((r) => r.id === c.sourceId && r.collection === "market_comps"),
            ).length,
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
    const featureIds = new Set(brief.keyFeatures.map((f) => f.id));
    const concepts = intake ? ideaConcepts(intake) : [];
    artifacts.push(
      entry(
        "prd",
        [
          ...(intake ? prdGates(intake, prd) : noIntake("stories-about-idea")),
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
        ],
        {
          storyCoverage: intake ? coverage(concepts, storiesOf(prd), clientText(intake)).share : 0,
          documentCoverage: intake ? coverage(concepts, [md], clientText(intake)).share : 0,
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
          ...(intake ? wireframeGates(intake, wireframes) : noIntake("screens-about-idea")),
        ],
        {
          titleCoverage: intake
            ? coverage(
                ideaConcepts(intake),
                wireframes.screens.map((s) => s.title),
                clientText(intake),
              ).share
            : 0,
          copyCoverage: intake
            ? coverage(ideaConcepts(intake), prototypeCopy(wireframes), clientText(intake)).share
            : 0,
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
        ],
        {
          sizeBudget: html.length < 250_000 ? 1 : ratio(250_000, html.length),
          compileFirstTry: build && build.attempts > 0 ? (build.fallback ? 0 : ratio(1, build.attempts)) : 1,
        },
        // A fallback is a working prototype, so it fails no gate; the rubric scores it 0 and the note says why.
        build?.fallback && build.attempts > 0
          ? [`model-written screen failed ${build.attempts} compile attempts; proven pattern used`]
          : [],
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
          // Without ffmpeg and espeak-ng there is no video to check; the note says why.
          ...(video && "mp4" in video ? [mp4Gate(video.mp4, explainer.totalSeconds)] : []),
        ],
        {
          pacing: ratio(words.filter((w) => w <= 3).length, words.length),
          coverage: ratio(new Set(explainer.scenes.map((s) => s.screenId)).size, screens.size),
          narrated: video && "mp4" in video ? 1 : 0,
        },
        video && "mp4" in video ? [] : [`no MP4: ${video?.reason ?? "not attempted"}`],
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
          ...(intake
            ? emailGates(
                intake,
                campaign.emails.map((e) => e.text),
              )
            : noIntake("emails-about-idea")),
        ],
        {
          emailCoverage: intake
            ? coverage(
                ideaConcepts(intake),
                campaign.emails.map((e) => e.text),
                clientText(intake),
              ).share
            : 0,
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
    artifacts.push(
      entry(
        "okrs",
        [
          gate(
            "measurable",
            vague.length === 0,
            `${krs.length} key results with metric, unit, baseline and target`,
            `not measurable: ${vague.map((k) => k.id).join(", ")}`,
          ),
          ...(intake ? okrGates(intake, okrs) : noIntake("goals-honoured")),
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
