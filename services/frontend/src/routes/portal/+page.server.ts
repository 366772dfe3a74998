import { server } from "$lib/server/config.ts";
import type { PageServerLoad } from "./$types";

export const load = (async ({ locals }) => ({
  email: locals.client!.subject,
  projects: await server().api.clientProjects(locals.client!.subject),
})) satisfies PageServerLoad;
