/**
 * The intake's fields, steps and validation, shared by the browser (inline errors) and the form
 * action (the no-JavaScript path). The rules mirror the API's `intakeSchema`
 * (services/orchestrator/src/business-logic/intake.ts); intake.test.ts holds both to the same
 * verdicts, so the portal never accepts what the API refuses or the other way round.
 */

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
export type IntakeValues = Record<IntakeField, string>;
export type IntakeErrors = Partial<Record<IntakeField, string>>;

export const IDEA_MIN_CHARS = 20;
/** The API's default INTAKE_IDEA_MAX_CHARS. */
export const IDEA_MAX_CHARS = 4000;
const MAX: Record<Exclude<IntakeField, "sector" | "idea">, number> = {
  email: 254,
  name: 200,
  company: 200,
  goals: 2000,
  budget: 200,
  timeline: 200,
};

/** zod's `z.email()` pattern, which the API uses. */
const EMAIL =
  /^(?:[A-Za-z0-9_'+-]+\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/;

export const INTAKE_STEPS: ReadonlyArray<{ id: string; title: string; fields: readonly IntakeField[] }> = [
  { id: "sector", title: "Sector", fields: ["sector"] },
  { id: "contact", title: "Contact", fields: ["email", "name", "company"] },
  { id: "idea", title: "Idea", fields: ["idea"] },
  { id: "goals", title: "Goals", fields: ["goals"] },
  { id: "plan", title: "Budget and timeline", fields: ["budget", "timeline"] },
];

export const emptyIntake = (): IntakeValues =>
  Object.fromEntries(INTAKE_FIELDS.map((f) => [f, ""])) as IntakeValues;

/** Reads the form's fields; anything else in the form is ignored. */
export function intakeFromForm(form: FormData): IntakeValues {
  const values = emptyIntake();
  for (const f of INTAKE_FIELDS) {
    const v = form.get(f);
    values[f] = typeof v === "string" ? v : "";
  }
  return values;
}

/** The message for one field, or undefined when it is fine. Messages read as the API's do. */
export function fieldError(
  field: IntakeField,
  raw: string,
  sectorIds: readonly string[],
  ideaMaxChars = IDEA_MAX_CHARS,
): string | undefined {
  const value = raw.trim();
  switch (field) {
    case "sector":
      if (!raw) return "Pick a sector.";
      return sectorIds.includes(raw) ? undefined : "is not a known sector; pick one from the list.";
    case "email":
      if (!value) return "Enter your email address.";
      if (value.length > MAX.email) return `must be at most ${MAX.email} characters`;
      return EMAIL.test(value) ? undefined : "must be a valid email address, such as ada@example.com";
    case "idea":
      if (!value) return "Describe your idea in a sentence or two.";
      if (value.length < IDEA_MIN_CHARS)
        return `must be at least ${IDEA_MIN_CHARS} characters: describe the idea in a sentence or two`;
      return value.length > ideaMaxChars ? `must be at most ${ideaMaxChars} characters` : undefined;
    default:
      return value.length > MAX[field] ? `must be at most ${MAX[field]} characters` : undefined;
  }
}

export function validateIntake(
  values: IntakeValues,
  sectorIds: readonly string[],
  ideaMaxChars = IDEA_MAX_CHARS,
): IntakeErrors {
  const errors: IntakeErrors = {};
  for (const f of INTAKE_FIELDS) {
    const message = fieldError(f, values[f], sectorIds, ideaMaxChars);
    if (message) errors[f] = message;
  }
  return errors;
}

/** The body POST /v1/intake takes: trimmed, optional fields left out when empty. */
export function intakeBody(values: IntakeValues): Record<string, string> {
  const body: Record<string, string> = {};
  for (const f of INTAKE_FIELDS) {
    const v = f === "sector" ? values[f] : values[f].trim();
    if (v) body[f] = v;
  }
  return body;
}

/** The first step holding an error, so the form opens where the client has something to fix. */
export function firstStepWithError(errors: IntakeErrors): number {
  const i = INTAKE_STEPS.findIndex((s) => s.fields.some((f) => errors[f]));
  return i === -1 ? 0 : i;
}
