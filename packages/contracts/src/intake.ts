/**
 * POST /v1/intake's schema, in zod's mini build: the portal runs it in the browser for inline
 * errors, and mini keeps that page small (the classic build would add about 30 KB gzipped).
 * The orchestrator validates with this very schema.
 */
import { z } from "zod/mini";

/** C0 and C1 controls (CR and LF among them), DEL and the Unicode line and paragraph separators. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

export const DEFAULT_WORKFLOW = "proto_v1";
export const WORKFLOWS = [DEFAULT_WORKFLOW] as const;
export const INTAKE_FIELDS = [
  "sector",
  "email",
  "name",
  "company",
  "idea",
  "goals",
  "budget",
  "timeline",
] as const;
export type IntakeField = (typeof INTAKE_FIELDS)[number];
export const IDEA_MIN_CHARS = 20;
/** The API's default INTAKE_IDEA_MAX_CHARS. */
export const IDEA_MAX_CHARS = 4000;
/** The longest value of each field but the idea, whose limit is the API's INTAKE_IDEA_MAX_CHARS. */
export const INTAKE_MAX_CHARS = {
  email: 254,
  name: 200,
  company: 200,
  goals: 2000,
  budget: 200,
  timeline: 200,
} as const;

const atMost = (max: number) => z.maxLength(max, { error: `must be at most ${max} characters` });

/** Trimmed; blank is the same as left out. */
const optionalText = (max: number) =>
  z.optional(
    z.pipe(
      z.string({ error: "must be a string" }).check(z.trim(), atMost(max)),
      z.transform((v: string) => (v ? v : undefined)),
    ),
  );

/**
 * A one-line field (a name, a company): control characters, CR/LF among them, become spaces, so
 * a value cannot break a line wherever it is shown, an email header least of all.
 */
const optionalLine = (max: number) =>
  z.pipe(
    z.transform((v: unknown) => (typeof v === "string" ? v.replace(CONTROL_CHARACTERS, " ") : v)),
    optionalText(max),
  );

export const emailField = z.pipe(
  z.string({ error: "is required" }).check(z.trim(), atMost(INTAKE_MAX_CHARS.email)),
  z.email({ error: "must be a valid email address" }),
);

/**
 * POST /v1/intake. The sectors are the agents' (GET /v1/sectors), passed in so that the portal's
 * browser code need not load the agents.
 */
export function intakeSchema(sectorIds: readonly string[], ideaMaxChars = IDEA_MAX_CHARS) {
  const known = new Set(sectorIds);
  return z.strictObject(
    {
      email: emailField,
      name: optionalLine(INTAKE_MAX_CHARS.name),
      company: optionalLine(INTAKE_MAX_CHARS.company),
      sector: z
        .string({ error: "is required" })
        .check(z.refine((s) => known.has(s), { error: "is not a known sector (see GET /v1/sectors)" })),
      idea: z.string({ error: "is required" }).check(
        z.trim(),
        z.minLength(IDEA_MIN_CHARS, {
          error: `must be at least ${IDEA_MIN_CHARS} characters: describe the idea in a sentence or two`,
        }),
        atMost(ideaMaxChars),
      ),
      goals: optionalText(INTAKE_MAX_CHARS.goals),
      budget: optionalLine(INTAKE_MAX_CHARS.budget),
      timeline: optionalLine(INTAKE_MAX_CHARS.timeline),
    },
    { error: (issue) => (issue.code === "unrecognized_keys" ? "is not a field of the intake" : undefined) },
  );
}
export type IntakeRequest = z.output<ReturnType<typeof intakeSchema>>;

/** A valid intake (the README's clinic example): the OpenAPI document's example and the tests' default. */
export const INTAKE_EXAMPLE = {
  email: "ada@example.com",
  name: "Ada Lovelace",
  company: "Analytical Engines Ltd",
  sector: "saas",
  idea: "A scheduling assistant for small clinics that fills cancelled appointment slots from a waitlist by SMS.",
  goals: "Cut no-show losses by half within six months",
  budget: "$20k",
  timeline: "8 weeks",
} as const satisfies IntakeRequest;
