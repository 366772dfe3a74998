/**
 * Small builders for pipeline tests: intakes, project contexts and a run that collects the
 * streamed updates the way the orchestrator consumes them.
 */
import type { Artifact, IntakeInput, ProjectContext, StepName } from "../contracts.ts";

// Pipeline tests skip the MP4 (seconds of ffmpeg per run) unless a test asks for it;
// render/video.test.ts makes real ones.
process.env["AGENCY_EXPLAINER_VIDEO"] ??= "off";
import { pipeline } from "../graph.ts";
import type { PipelineState, PipelineUpdate } from "../state.ts";

export const DOG_WALKING =
  "A marketplace app that lets busy dog owners book vetted walkers, track walks on a live map and pay in-app. Owners struggle to find reliable walkers at short notice.";

export const PHYSIO_CLINIC =
  "An online booking tool for small physiotherapy practices: patients pick a slot, get SMS reminders and fill intake forms before the visit, so clinics cut no-shows and paperwork.";

export const HOSTILE_IDEA =
  'A tool for freelance designers to send invoices <script>alert(1)</script> and see <img src=x onerror=alert(2)> cash flow. Visit https://evil.example/phish or javascript:alert(3) or www.evil.example now ]]> "quoted" & {{ data }} {@html x} </script>';

export function anIntake(overrides: Partial<IntakeInput> = {}): IntakeInput {
  return {
    email: "ana@example.com",
    name: "Ana",
    company: "Pawsome Ltd",
    sector: "ecommerce",
    idea: DOG_WALKING,
    goals: "Reach 500 paying owners in 6 months; 30% repeat bookings",
    budget: "$30k",
    timeline: "4 months",
    ...overrides,
  };
}

export function aContext(overrides: Partial<ProjectContext> = {}): ProjectContext {
  return {
    projectId: "prj_123",
    leadId: "lead_1",
    runId: "run_1",
    portalUrl: "http://localhost:5001",
    calendarUrl: "https://cal.example.com/agency/intro",
    ...overrides,
  };
}

export interface CollectedRun {
  updates: PipelineUpdate[];
  artifacts: Artifact[];
  byStep: Map<StepName, Partial<PipelineState>>;
}

/** Streams one run with streamMode "updates", exactly as the orchestrator does. */
export async function runPipeline(
  intake: IntakeInput,
  context: ProjectContext = aContext(),
  configurable: Record<string, unknown> = {},
): Promise<CollectedRun> {
  const updates: PipelineUpdate[] = [];
  const artifacts: Artifact[] = [];
  const byStep = new Map<StepName, Partial<PipelineState>>();
  for await (const update of await pipeline.stream(
    { intake, context },
    { streamMode: "updates", configurable },
  )) {
    const typed = update as PipelineUpdate;
    updates.push(typed);
    for (const [step, partial] of Object.entries(typed) as [StepName, Partial<PipelineState>][]) {
      byStep.set(step, partial);
      artifacts.push(...(partial.artifacts ?? []));
    }
  }
  return { updates, artifacts, byStep };
}

export function body(run: CollectedRun, name: string): string {
  const found = run.artifacts.find((a) => a.name === name);
  if (!found)
    throw new Error(`no artifact named ${name}; have ${run.artifacts.map((a) => a.name).join(", ")}`);
  return String(found.body);
}
