/**
 * Relevance gates: is each artifact about the client's idea? They are computed from the intake
 * alone with the shared text toolkit, never from what the drafting model says about its own work
 * (a feature's `source`, the brief's keywords, a comparable's matchedTerms). The client's own words
 * quoted back are removed before matching: echoing the idea is not evidence of having read it.
 *
 * The same checks serve twice: evaluateRun reports them, and a provider-backed model gets each
 * step's failures back in its repair loop (`draftReview`).
 */
import type { DraftStep } from "../configuration.ts";
import type { IntakeInput } from "../contracts.ts";
import { knowledgeBaseChunks } from "../retrieval/knowledgeBase.ts";
import type { Brief, CampaignCopy, Market, Okrs, Prd, Wireframes } from "../schemas.ts";
import type { PipelineState } from "../state.ts";
import { type Concept, detectLanguage, keyConcepts, mentions, withoutQuotedRuns } from "../text/index.ts";
import type { Gate } from "./report.ts";

/** How many of the idea's concepts the coverage gates look for. */
export const KEY_CONCEPTS = 6;
/** A feature that mentions none of this many concepts of the idea is filler. */
export const FILLER_CONCEPTS = 12;
/**
 * Share of the key concepts an artifact must mention in its own words (the client's quoted runs
 * removed) to be shown at all. A refusal line, not the quality bar: the runs the issue describes had
 * about a third; the eval's targets on human concepts (90/90/80/70 %) are where quality is measured.
 */
export const COVERAGE_FLOORS = { features: 0.5, stories: 0.5, screens: 0.5, emails: 0.5 } as const;
export const MIN_COMPARABLES = 3;

const gate = (id: string, passed: boolean, ok: string, fail: string): Gate => ({
  id,
  passed,
  reason: passed ? ok : fail,
});

/** Everything the client wrote: the source whose quoted runs do not count as evidence. */
export function clientText(intake: IntakeInput): string {
  return [intake.idea, intake.goals, intake.budget, intake.timeline, intake.company, intake.name]
    .filter(Boolean)
    .join("\n");
}

const conceptCache = new Map<string, Concept[]>();
export function ideaConcepts(intake: IntakeInput, limit = KEY_CONCEPTS): Concept[] {
  const key = `${limit}\n${intake.idea}`;
  let found = conceptCache.get(key);
  if (!found) {
    found = keyConcepts(intake.idea, limit);
    if (conceptCache.size > 200) conceptCache.clear();
    conceptCache.set(key, found);
  }
  return found;
}

export interface Coverage {
  /** found / concepts, 0 when the idea yields no concepts. */
  share: number;
  found: Concept[];
  missing: Concept[];
}

/** Which concepts the texts mention after each text loses the runs it quotes from `source`. */
export function coverage(concepts: readonly Concept[], texts: readonly string[], source: string): Coverage {
  const own = texts.map((t) => withoutQuotedRuns(t, source)).join("\n");
  const found = concepts.filter((c) => mentions(own, c));
  const missing = concepts.filter((c) => !found.includes(c));
  return { share: concepts.length ? found.length / concepts.length : 0, found, missing };
}

const phrases = (cs: readonly Concept[]) => cs.map((c) => `"${c.phrase}"`).join(", ");

function coverageGate(id: string, what: string, cov: Coverage, floor: number): Gate {
  const total = cov.found.length + cov.missing.length;
  return gate(
    id,
    total > 0 && cov.share >= floor,
    `${what} mention ${cov.found.length}/${total} of the idea's key concepts (${phrases(cov.found)})`,
    total === 0
      ? "no key concepts could be read from the idea"
      : `${what} mention only ${cov.found.length}/${total} of the idea's key concepts (need ${Math.ceil(floor * total)}) once the client's own words are removed; missing ${phrases(cov.missing)}`,
  );
}

export const featureTexts = (brief: Brief): string[] =>
  brief.keyFeatures.map((f) => `${f.name}. ${f.description}`);
export const storyTexts = (prd: Prd): string[] =>
  prd.userStories.map((u) => [u.want, u.benefit, ...u.acceptance].join(". "));
export const screenTitles = (wireframes: Wireframes): string[] => wireframes.screens.map((s) => s.title);
export const copyTexts = (copy: CampaignCopy): string[] =>
  copy.emails.map((e) => [e.subject, e.heading, ...e.paragraphs].join(". "));

/** Every visible string of the prototype: the screens' titles, region labels and region data. */
export function prototypeCopy(wireframes: Wireframes): string[] {
  const out: string[] = [];
  const walk = (v: unknown, key?: string): void => {
    if (typeof v === "string") {
      // Ids and link targets are not copy.
      if (key !== "id" && key !== "screenId" && key !== "pattern" && key !== "name" && key !== "type")
        out.push(v);
    } else if (Array.isArray(v)) v.forEach((x) => walk(x));
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  for (const s of wireframes.screens) {
    out.push(s.title);
    for (const r of s.regions) {
      out.push(r.label);
      walk(r.data);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Per artifact

export function briefGates(intake: IntakeInput, brief: Brief): Gate[] {
  const cov = coverage(ideaConcepts(intake), featureTexts(brief), clientText(intake));
  const wide = ideaConcepts(intake, FILLER_CONCEPTS);
  // Filler is judged on the raw text: a feature that quotes the client is at least about the idea.
  const filler = brief.keyFeatures.filter(
    (f) => !wide.some((c) => mentions(`${f.name}. ${f.description}`, c)),
  );
  return [
    coverageGate("features-about-idea", "the key features", cov, COVERAGE_FLOORS.features),
    gate(
      "no-filler-features",
      filler.length === 0,
      `every key feature is about something the idea names`,
      `features that match nothing in the idea: ${filler.map((f) => `"${f.name}"`).join(", ")}`,
    ),
  ];
}

/** Names as compared: defanged ("Booking[.]com"), case and punctuation do not matter. */
const productKey = (name: string) =>
  name
    .toLowerCase()
    .replace(/\[\.\]/g, ".")
    .replace(/[^\p{L}\p{N}]+/gu, "");

let kbIndex: { ids: Set<string>; comparables: Map<string, string> } | undefined;
function kb() {
  kbIndex ??= (() => {
    const chunks = knowledgeBaseChunks();
    return {
      ids: new Set(chunks.map((c) => c.id)),
      comparables: new Map(
        chunks
          .filter((c) => c.collection === "market_comps")
          .map((c) => [c.id, productKey(String(c.payload["name"] ?? ""))]),
      ),
    };
  })();
  return kbIndex;
}

/** Comparables whose cited source is not that product's knowledge-base entry: invented or mislabelled. */
export function inventedComparables(market: Market): Market["comparables"] {
  const { comparables } = kb();
  return market.comparables.filter((c) => comparables.get(c.sourceId) !== productKey(c.name));
}

export function marketGates(market: Market): Gate[] {
  const { ids } = kb();
  const unknown = [
    ...new Set([...market.sources.map((s) => s.id), ...market.comparables.map((c) => c.sourceId)]),
  ].filter((id) => !ids.has(id));
  const invented = inventedComparables(market);
  const real = market.comparables.length - invented.length;
  return [
    gate(
      "kb-sources-exist",
      unknown.length === 0 && invented.length === 0,
      "every cited source and comparable exists in the knowledge base",
      [
        unknown.length ? `sources not in the knowledge base: ${unknown.join(", ")}` : "",
        invented.length
          ? `comparables the knowledge base does not have under their cited source: ${invented.map((c) => c.name).join(", ")}`
          : "",
      ]
        .filter(Boolean)
        .join("; "),
    ),
    gate(
      "comparables",
      real >= MIN_COMPARABLES,
      `${real} comparable products from the knowledge base`,
      `only ${real} comparables (need ${MIN_COMPARABLES}) found in the knowledge base`,
    ),
  ];
}

export interface NamedConstraint {
  kind: "offline" | "platform" | "integration";
  name: string;
  /** How a draft says it honours the constraint. */
  pattern: RegExp;
}

const OFFLINE_NAMED =
  /\boffline\b|\b(?:no|without|poor|patchy|bad)\s+(?:mobile\s+)?(?:signal|reception|connection|connectivity|internet|coverage)\b|\bohne\s+(?:netz|internet|empfang)\b/i;
const OFFLINE_HONOURED =
  /\boffline\b|\bwithout (?:a |an )?(?:connection|signal|network|internet)\b|\bno (?:signal|reception|connection)\b/i;
const PLATFORMS = /\b(android|ios|iphone|ipad|tablets?|older phones?|low-end phones?)\b/gi;
const INTEGRATION_CUES =
  /^(?:export\w*|sync\w*|integrat\w*|connect\w*|import\w*|use|uses|using|via|through|into|api|apis|payments?|pay|per|über|mit|exportiert|angebunden|anbindung|schnittstelle)$/i;
const NOT_NAMES = new Set(
  "i we our the a an qr sms mrr nps kpi okr app apps api pdf csv ceo ui ux eu uk us usa q1 q2 q3 q4 asap android ios iphone ipad".split(
    " ",
  ),
);
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * What the client named that the product must honour: working offline, a device or platform, and
 * named systems to integrate with (a capitalised name next to "export to", "sync with", "via" …).
 * German capitalises every noun, so there only all-caps names (DATEV, SEPA) count.
 */
export function namedConstraints(intake: Pick<IntakeInput, "idea" | "goals">): NamedConstraint[] {
  const text = [intake.idea, intake.goals].filter(Boolean).join("\n");
  const out: NamedConstraint[] = [];
  if (OFFLINE_NAMED.test(text))
    out.push({ kind: "offline", name: "works offline", pattern: OFFLINE_HONOURED });
  for (const m of new Set([...text.matchAll(PLATFORMS)].map((x) => x[1]!.toLowerCase().replace(/s$/, "")))) {
    const word = m.split(" ").at(-1)!.replace(/s$/, "");
    out.push({ kind: "platform", name: m, pattern: new RegExp(`\\b${escapeRe(word)}s?\\b`, "i") });
  }
  const english = detectLanguage(intake.idea).code === "en";
  const seen = new Set<string>();
  for (const sentence of text.split(/(?<=[.!?;:])\s+|\n+/)) {
    // Words with where they start, so a name can run across the spaces between its words.
    const found = [...sentence.matchAll(/[^\s,()/"'“”]+/g)].flatMap((m) =>
      // "M-Pesa" is one name; German joins a name to a noun ("SEPA-Lastschrift"), so there it is two.
      english && /^[A-Z][A-Za-z0-9]*(?:-[A-Z][A-Za-z0-9]*)+[.,;:!?]*$/.test(m[0])
        ? [{ raw: m[0], at: m.index }]
        : m[0].split(/-(?=[A-Z])/).map((raw) => ({ raw, at: m.index + m[0].indexOf(raw) })),
    );
    const words = found.map((f) => f.raw);
    const clean = (w: string) => w.replace(/[.,;:!?]+$/, "");
    const isName = (w: string, i: number) =>
      !NOT_NAMES.has(w.toLowerCase()) &&
      (/^[A-Z][A-Z0-9]{2,}$/.test(w) ||
        (english && i > 0 && /^[A-Z][a-z]+[A-Za-z0-9]*$|^[A-Z][A-Za-z0-9]*(?:-[A-Z][A-Za-z0-9]*)+$/.test(w)));
    for (let i = 0; i < words.length; i++) {
      if (!isName(clean(words[i]!), i)) continue;
      // "MTN Mobile Money", "QuickBooks Online", "Google Sheets": a named system is the whole run
      // of capitalised words, as long as only spaces stand between them.
      let j = i;
      while (
        j + 1 < words.length &&
        clean(words[j]!) === words[j] &&
        /^\s+$/.test(sentence.slice(found[j]!.at + words[j]!.length, found[j + 1]!.at)) &&
        /^[A-Z][A-Za-z0-9&+-]*$/.test(clean(words[j + 1]!)) &&
        !NOT_NAMES.has(clean(words[j + 1]!).toLowerCase())
      )
        j++;
      const w = words
        .slice(i, j + 1)
        .map(clean)
        .join(" ");
      const start = i;
      i = j;
      if (seen.has(w.toLowerCase())) continue;
      const near = words
        .slice(Math.max(0, start - 4), j + 5)
        .some((x) => INTEGRATION_CUES.test(x.replace(/\W+$/, "")));
      if (!near) continue;
      seen.add(w.toLowerCase());
      out.push({ kind: "integration", name: w, pattern: new RegExp(`\\b${escapeRe(w)}\\b`, "i") });
    }
  }
  return out;
}

/** The PRD's commitments: everything but what it rules out, its risks, questions and the market. */
function committedText(prd: Prd): string {
  const skip = new Set([
    "scope",
    "risks",
    "competitive",
    "sources",
    "personas",
    "openQuestions",
    "questions",
  ]);
  const out: string[] = [...prd.scope.in];
  const walk = (v: unknown): void => {
    if (typeof v === "string") out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  for (const [k, v] of Object.entries(prd)) if (!skip.has(k)) walk(v);
  return out.join("\n");
}

export function prdGates(intake: IntakeInput, prd: Prd): Gate[] {
  const cov = coverage(ideaConcepts(intake), storyTexts(prd), clientText(intake));
  const committed = committedText(prd);
  const out = prd.scope.out.join("\n");
  const risks = prd.risks.map((r) => `${r.risk} ${r.mitigation}`).join("\n");
  const constraints = namedConstraints(intake);
  const problems = constraints.flatMap((c) => [
    ...(c.pattern.test(committed) ? [] : [`"${c.name}" is not in scope or the acceptance criteria`]),
    ...(c.pattern.test(out) ? [`"${c.name}" is listed as out of scope`] : []),
    ...(c.kind === "integration" && !c.pattern.test(risks)
      ? [`the ${c.name} integration is not named as a risk`]
      : []),
  ]);
  return [
    coverageGate("stories-about-idea", "the user stories", cov, COVERAGE_FLOORS.stories),
    gate(
      "constraints-in-scope",
      problems.length === 0,
      constraints.length
        ? `named constraints in scope: ${constraints.map((c) => c.name).join(", ")}`
        : "the intake names no platform, offline or integration constraint",
      problems.join("; "),
    ),
  ];
}

export function wireframeGates(intake: IntakeInput, wireframes: Wireframes): Gate[] {
  const cov = coverage(ideaConcepts(intake), screenTitles(wireframes), clientText(intake));
  return [coverageGate("screens-about-idea", "the screen titles", cov, COVERAGE_FLOORS.screens)];
}

export function emailGates(intake: IntakeInput, texts: readonly string[]): Gate[] {
  const cov = coverage(ideaConcepts(intake), texts, clientText(intake));
  return [coverageGate("emails-about-idea", "the emails", cov, COVERAGE_FLOORS.emails)];
}

const TIME_AFTER =
  /^\s*-?\s*(?:months?|weeks?|days?|years?|hours?|quarters?|monate?n?|wochen?|tage?n?|jahre?n?|stunden?)\b/i;
const TIME_BEFORE = /(?:month|week|day|year|quarter|q)[\s-]*$/i;

/** Numbers a goal sets ("1,200 subscribers", "€18k", "30%"), not its dates ("in 6 months", "week-4"). */
export function goalNumbers(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(/(\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d+)?)(\s?[kK]\b)?/g)) {
    const after = text.slice(m.index + m[0].length);
    const before = text.slice(0, m.index);
    if (TIME_AFTER.test(after) || TIME_BEFORE.test(before)) continue;
    out.push(numberValue(m[1]!, Boolean(m[2])));
  }
  return [...new Set(out)];
}

function numberValue(raw: string, thousands: boolean): number {
  const n = /^\d{1,3}(?:[.,]\d{3})+$/.test(raw)
    ? Number(raw.replace(/[.,]/g, ""))
    : Number(raw.replace(",", "."));
  return thousands ? n * 1000 : n;
}

export function okrGates(intake: IntakeInput, okrs: Okrs): Gate[] {
  const wanted = goalNumbers(intake.goals ?? "");
  const krs = okrs.objectives.flatMap((o) => o.keyResults);
  const have = new Set(
    krs.flatMap((k) => [k.baseline, k.target, ...goalNumbers(`${k.description} ${k.metric}`)]),
  );
  const absent = wanted.filter((n) => !have.has(n));
  return [
    gate(
      "goals-honoured",
      absent.length === 0,
      wanted.length
        ? `the goal's numbers are key results: ${wanted.join(", ")}`
        : "the goals carry no numbers",
      `numbers from the client's goals missing from the key results: ${absent.join(", ")}`,
    ),
  ];
}

/**
 * The relevance gates of one step's draft, for a provider's repair loop: the failing gates' reasons
 * go back to the model. Undefined for steps without relevance gates (prototyper, explainer).
 */
export function draftReview(step: DraftStep, state: PipelineState): ((draft: unknown) => Gate[]) | undefined {
  const intake = state.intake;
  if (!intake) return undefined;
  switch (step) {
    case "intake_parser":
      return (d) => briefGates(intake, d as Brief);
    case "market_mapper":
      return (d) => marketGates(d as Market);
    case "product_doc_writer":
      return (d) => prdGates(intake, d as Prd);
    case "wireframer":
      return (d) => wireframeGates(intake, d as Wireframes);
    case "campaign_composer":
      return (d) => emailGates(intake, copyTexts(d as CampaignCopy));
    case "indication_okrs":
      return (d) => {
        const okrs = d as Okrs;
        const late = okrs.objectives
          .flatMap((o) => o.keyResults)
          .filter((k) => k.deadline.weeksFromKickoff > okrs.horizonWeeks);
        return [
          ...okrGates(intake, okrs),
          gate(
            "within-horizon",
            late.length === 0,
            "",
            `key results past the ${okrs.horizonWeeks}-week horizon: ${late.map((k) => k.id).join(", ")}`,
          ),
        ];
      };
    default:
      return undefined;
  }
}
