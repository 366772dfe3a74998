import { error, fail } from "@sveltejs/kit";
import { ApiError, ApiUnavailable } from "$lib/server/api.ts";
import { server } from "$lib/server/config.ts";
import { projectView } from "$lib/server/project-view.ts";
import type { Actions, PageServerLoad } from "./$types";

export const load = (async ({ params }) => {
  try {
    return await projectView(await server().api.project(params.id));
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) error(404, "No project has this id.");
    throw err;
  }
}) satisfies PageServerLoad;

export const actions = {
  /** Runs the workflow again, from the first step; refused while a run of the project is active. */
  rerun: async ({ params }) => {
    try {
      const started = await server().api.startWorkflow(params.id);
      return { rerun: started.run_id };
    } catch (err) {
      if (err instanceof ApiError) return fail(err.status, { message: err.message });
      if (err instanceof ApiUnavailable) return fail(503, { message: err.message });
      throw err;
    }
  },
} satisfies Actions;
