/**
 * The API's one error format, and the one way a request is validated: `parse(schema, body)`
 * answers the parsed value or throws a 422 naming every bad field, each with what is wrong.
 */
import { z } from "zod";

export interface FieldError {
  field: string;
  message: string;
}

/** An error the API answers as a 4xx with the body `errorBody` describes; anything else is a 500. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: FieldError[],
    /** Sent with the answer, e.g. Retry-After. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export const errorBody = z
  .object({
    error: z.string().meta({ description: "A stable code such as invalid_request or not_found." }),
    message: z.string(),
    fields: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .meta({ description: "Each bad field with what is wrong with it." }),
    request_id: z.string(),
  })
  .meta({ id: "Error" });
export type ErrorBody = z.infer<typeof errorBody>;

/** Messages for the issues a schema does not word itself. */
function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type" && issue.path.length === 0 && issue.expected === "object") {
    return "must be a JSON object";
  }
  return issue.message;
}

/**
 * Each issue as a field and a message; an unknown key is a field of its own. Paths are dotted
 * (`page.meta.html_url`); a body that is not an object is the field `body`.
 */
export function fieldErrors(
  error: z.core.$ZodError,
  unknownKey = "is not a field of this request",
): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    const at = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      const message = issue.message.startsWith("Unrecognized key") ? unknownKey : issue.message;
      for (const key of issue.keys) out.push({ field: at ? `${at}.${key}` : key, message });
    } else {
      out.push({ field: at || "body", message: messageOf(issue) });
    }
  }
  return out;
}

/** The 422 for these bad fields: `Invalid <what>: field message; field message.` */
export function invalidRequest(fields: FieldError[], what = "request"): HttpError {
  return new HttpError(
    422,
    "invalid_request",
    `Invalid ${what}: ${fields.map((f) => `${f.field} ${f.message}`).join("; ")}.`,
    fields,
  );
}

/** The body as `schema` reads it, or a 422 naming every bad field. */
export function parse<S extends z.core.$ZodType>(schema: S, body: unknown, what?: string): z.output<S> {
  const parsed = z.safeParse(schema, body);
  if (parsed.success) return parsed.data;
  throw invalidRequest(fieldErrors(parsed.error), what);
}

/** `parse` for schemas with asynchronous refinements (a check against the database). */
export async function parseAsync<S extends z.core.$ZodType>(
  schema: S,
  body: unknown,
  what?: string,
): Promise<z.output<S>> {
  const parsed = await z.safeParseAsync(schema, body);
  if (parsed.success) return parsed.data;
  throw invalidRequest(fieldErrors(parsed.error), what);
}

/** Every bad field of `body`, by field (the first message each), for a form to show; {} when fine. */
export function formErrors(schema: z.core.$ZodType, body: unknown): Record<string, string> {
  const parsed = z.safeParse(schema, body);
  const errors: Record<string, string> = {};
  if (!parsed.success) for (const f of fieldErrors(parsed.error)) errors[f.field] ??= f.message;
  return errors;
}
