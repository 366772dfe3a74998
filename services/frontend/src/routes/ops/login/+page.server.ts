import { fail, redirect } from "@sveltejs/kit";
import { server } from "$lib/server/config.ts";
import { ApiError, ApiUnavailable } from "$lib/server/api.ts";
import { startOperatorSession } from "$lib/server/session.ts";
import type { Actions, PageServerLoad } from "./$types";

const opsNext = (next: string | null) =>
  next && /^\/ops(\/[\w\-./?=&%]*)?$/.test(next) && !next.includes("//") ? next : "/ops";

export const load = (({ locals, url }) => {
  if (locals.operator) redirect(303, opsNext(url.searchParams.get("next")));
  const { localAdmin, operators } = server();
  return { next: opsNext(url.searchParams.get("next")), localAdmin, configured: operators.names.length > 0 };
}) satisfies PageServerLoad;

export const actions = {
  default: async ({ request, cookies, url, getClientAddress }) => {
    const form = await request.formData();
    const name = String(form.get("name") ?? "").trim();
    const password = String(form.get("password") ?? "");
    const next = opsNext(String(form.get("next") ?? ""));
    const errors: { name?: string; password?: string } = {};
    if (!name) errors.name = "Enter your operator name.";
    if (!password) errors.password = "Enter your password.";
    if (Object.keys(errors).length) return fail(400, { name, errors, message: undefined });

    const { ops: api, operators } = server();
    // The client's address behind the proxy (adapter-node's ADDRESS_HEADER and XFF_DEPTH).
    const address = getClientAddress();
    // The attempt is counted in the API before the password is checked, so parallel guesses
    // cannot all pass a check that none of them has been recorded by yet.
    try {
      await api.operatorSignInAttempt(name, address);
    } catch (err) {
      if (err instanceof ApiError && err.status === 429) {
        const minutes = Math.ceil(Number(err.retryAfter ?? 60) / 60) || 1;
        return fail(429, {
          name,
          errors: {} as typeof errors,
          message: `Too many failed sign-ins. Try again in ${minutes} minute(s).`,
        });
      }
      if (err instanceof ApiUnavailable) {
        return fail(503, {
          name,
          errors: {} as typeof errors,
          message: "The agency's API is not answering; try again in a minute.",
        });
      }
      throw err;
    }
    if (!(await operators.verify(name, password))) {
      return fail(401, {
        name,
        errors: {} as typeof errors,
        message: "That name and password do not match an operator.",
      });
    }
    await startOperatorSession(cookies, url, name, address);
    redirect(303, next);
  },
} satisfies Actions;
