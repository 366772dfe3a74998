/**
 * The intake's fields, steps and validation, shared by the browser (inline errors) and the form
 * action (the no-JavaScript path). Validation is the API's own schema (`intakeSchema` of
 * @roboagency/contracts/intake, zod's mini build), so the portal never accepts what the API refuses or the other way round; only
 * the words for an empty or malformed field are the portal's.
 */
import { IDEA_MAX_CHARS, INTAKE_FIELDS, intakeSchema, type IntakeField } from "@roboagency/contracts/intake";

export {
  IDEA_MAX_CHARS,
  IDEA_MIN_CHARS,
  INTAKE_FIELDS,
  type IntakeField,
} from "@roboagency/contracts/intake";
export type IntakeValues = Record<IntakeField, string>;
export type IntakeErrors = Partial<Record<IntakeField, string>>;

/** How the portal words what the API's schema says more tersely. */
const PORTAL_WORDS: Partial<Record<IntakeField, { empty: string; invalid?: string }>> = {
  sector: { empty: "Pick a sector.", invalid: "is not a known sector; pick one from the list." },
  email: {
    empty: "Enter your email address.",
    invalid: "must be a valid email address, such as ada@example.com",
  },
  idea: { empty: "Describe your idea in a sentence or two." },
};

const schemas = new Map<string, ReturnType<typeof intakeSchema>>();
function schemaFor(sectorIds: readonly string[], ideaMaxChars: number) {
  const key = `${ideaMaxChars}\0${sectorIds.join("\0")}`;
  let schema = schemas.get(key);
  if (!schema) schemas.set(key, (schema = intakeSchema(sectorIds, ideaMaxChars)));
  return schema;
}

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

/** The message for one field, or undefined when it is fine: the API's schema decides. */
export function fieldError(
  field: IntakeField,
  raw: string,
  sectorIds: readonly string[],
  ideaMaxChars = IDEA_MAX_CHARS,
): string | undefined {
  const words = PORTAL_WORDS[field];
  if (words && !(field === "sector" ? raw : raw.trim())) return words.empty;
  const parsed = schemaFor(sectorIds, ideaMaxChars).shape[field].safeParse(raw);
  if (parsed.success) return undefined;
  const { message, code } = parsed.error.issues[0]!;
  const malformed = code === "invalid_format" || (field === "sector" && code === "custom");
  return malformed && words?.invalid ? words.invalid : message;
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
