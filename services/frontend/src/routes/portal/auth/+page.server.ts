import { fail, redirect } from "@sveltejs/kit";
import { ApiError } from "$lib/server/api.ts";
import { server } from "$lib/server/config.ts";
import { startSession } from "$lib/server/session.ts";
import type { Actions, PageServerLoad } from "./$types";

// Opening the link only shows a button: mail scanners that fetch links must not use up the token.
export const load = (({ url }) => ({ token: url.searchParams.get("token") ?? "" })) satisfies PageServerLoad;

export const actions = {
  default: async ({ request, cookies, url }) => {
    const token = String((await request.formData()).get("token") ?? "");
    let signedIn;
    try {
      signedIn = await server().api.consumeSignIn(token);
    } catch (err) {
      if (err instanceof ApiError && err.status < 500) return fail(401, { message: err.message });
      return fail(503, {
        message: "Our service is not answering right now; open the link again in a minute.",
      });
    }
    startSession(cookies, url, "client", signedIn.email);
    redirect(303, signedIn.redirect.startsWith("/portal") ? signedIn.redirect : "/portal");
  },
} satisfies Actions;
