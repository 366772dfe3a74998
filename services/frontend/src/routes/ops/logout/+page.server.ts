import { redirect } from "@sveltejs/kit";
import { endSession } from "$lib/server/session.ts";
import type { Actions, PageServerLoad } from "./$types";

export const load = (() => redirect(303, "/ops")) satisfies PageServerLoad;

export const actions = {
  default: ({ cookies, url }) => {
    endSession(cookies, url, "operator");
    redirect(303, "/ops/login");
  },
} satisfies Actions;
