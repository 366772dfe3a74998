import { redirect } from "@sveltejs/kit";
import { endOperatorSession } from "$lib/server/session.ts";
import type { Actions, PageServerLoad } from "./$types";

export const load = (() => redirect(303, "/ops")) satisfies PageServerLoad;

export const actions = {
  default: async ({ cookies, url }) => {
    await endOperatorSession(cookies, url);
    redirect(303, "/ops/login");
  },
} satisfies Actions;
