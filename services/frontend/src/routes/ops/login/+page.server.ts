import { fail, redirect } from "@sveltejs/kit";
import { server } from "$lib/server/config.ts";
import { startSession } from "$lib/server/session.ts";
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

    const { operators, loginLimiter } = server();
    // Per name and per address: guessing one name, or many names from one place, both slow down.
    const keys = [`name:${name.toLowerCase()}`, `ip:${getClientAddress()}`];
    const wait = Math.max(...keys.map((k) => loginLimiter.retryAfter(k)));
    if (wait > 0) {
      return fail(429, {
        name,
        errors: {} as typeof errors,
        message: `Too many failed sign-ins. Try again in ${Math.ceil(wait / 60_000)} minute(s).`,
      });
    }
    if (!(await operators.verify(name, password))) {
      for (const k of keys) loginLimiter.fail(k);
      return fail(401, {
        name,
        errors: {} as typeof errors,
        message: "That name and password do not match an operator.",
      });
    }
    for (const k of keys) loginLimiter.succeed(k);
    startSession(cookies, url, "operator", name);
    redirect(303, next);
  },
} satisfies Actions;
