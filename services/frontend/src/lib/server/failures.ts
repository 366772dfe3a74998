/**
 * Turns what the API answered into what a form shows: a message next to each field it names,
 * or one clear message for the whole form. Never loses the values the visitor typed.
 */
import { fail } from "@sveltejs/kit";
import { ApiError, ApiUnavailable } from "./api.ts";

export function formFailure<V, F extends string>(err: unknown, values: V, knownFields: readonly F[]) {
  const none: Partial<Record<F, string>> = {};
  if (err instanceof ApiError) {
    if (err.status === 429) {
      const wait = err.retryAfter
        ? ` Try again in about ${Math.ceil(Number(err.retryAfter) / 60) || 1} minute(s).`
        : "";
      return fail(429, { values, errors: none, message: `${err.message}${wait}` });
    }
    if (err.status < 500) {
      const errors: Partial<Record<F, string>> = {};
      const others: string[] = [];
      for (const f of err.fields) {
        if ((knownFields as readonly string[]).includes(f.field)) errors[f.field as F] = f.message;
        else others.push(`${f.field} ${f.message}`);
      }
      const message = Object.keys(errors).length && !others.length ? undefined : err.message;
      return fail(err.status, { values, errors, message });
    }
  }
  if (err instanceof ApiUnavailable || err instanceof ApiError) {
    return fail(503, {
      values,
      errors: none,
      message: "Our service is not answering right now. Nothing you typed is lost: try again in a minute.",
    });
  }
  throw err;
}
