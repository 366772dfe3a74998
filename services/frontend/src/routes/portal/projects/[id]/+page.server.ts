import { error } from "@sveltejs/kit";
import { ApiError } from "$lib/server/api.ts";
import { server } from "$lib/server/config.ts";
import { projectView } from "$lib/server/project-view.ts";
import type { PageServerLoad } from "./$types";

export const load = (async ({ params, locals }) => {
  try {
    const project = await server().api.project(params.id, locals.client!.subject);
    return {
      email: locals.client!.subject,
      ...(await projectView(project, { client: locals.client!.subject })),
    };
  } catch (err) {
    // Another client's project is answered exactly like a missing one.
    if (err instanceof ApiError && err.status === 404) error(404, "No project of yours has this address.");
    throw err;
  }
}) satisfies PageServerLoad;
