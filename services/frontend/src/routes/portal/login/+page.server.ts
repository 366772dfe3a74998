import { fail, redirect } from "@sveltejs/kit";
import { fieldError } from "$lib/intake.ts";
import { server } from "$lib/server/config.ts";
import { formFailure } from "$lib/server/failures.ts";
import type { Actions, PageServerLoad } from "./$types";

/** Only paths of the portal: `next` must not send a signed-in client anywhere else. */
const portalNext = (next: string | null) =>
  next && /^\/portal(\/[\w\-./]*)?$/.test(next) && !next.includes("//") && !next.includes("..")
    ? next
    : "/portal";

export const load = (async ({ locals, url }) => {
  if (locals.client) redirect(303, portalNext(url.searchParams.get("next")));
  return { next: portalNext(url.searchParams.get("next")) };
}) satisfies PageServerLoad;

export const actions = {
  default: async ({ request }) => {
    const form = await request.formData();
    const values = { email: String(form.get("email") ?? "").trim() };
    const next = portalNext(String(form.get("next") ?? ""));
    const error = fieldError("email", values.email, []);
    if (error) return fail(400, { values, errors: { email: error }, message: undefined });
    try {
      await server().api.requestSignIn(values.email, next);
    } catch (err) {
      return formFailure(err, values, ["email"] as const);
    }
    return { sent: values.email };
  },
} satisfies Actions;
