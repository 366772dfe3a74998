import { error, fail } from "@sveltejs/kit";
import { ApiError, ApiUnavailable } from "$lib/server/api.ts";
import { server } from "$lib/server/config.ts";
import { projectView } from "$lib/server/project-view.ts";
import type { Actions, PageServerLoad } from "./$types";

export const load = (async ({ params }) => {
  try {
    return await projectView(await server().ops.project(params.id), { operator: true });
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) error(404, "No project has this id.");
    throw err;
  }
}) satisfies PageServerLoad;

function failure(err: unknown) {
  if (err instanceof ApiError) return fail(err.status, { message: err.message, fields: err.fields });
  if (err instanceof ApiUnavailable) return fail(503, { message: err.message, fields: [] });
  throw err;
}

export const actions = {
  /** The decision at the review gate the latest run waits at. */
  review: async ({ request, params, locals }) => {
    const form = await request.formData();
    const decision = form.get("decision") === "send_back" ? "send_back" : "approve";
    const comment = String(form.get("comment") ?? "").trim();
    if (decision === "send_back" && !comment) {
      return fail(400, { message: "Say what to change before sending the step back.", fields: [] });
    }
    try {
      const project = await server().ops.project(params.id);
      if (!project.latest_run) return fail(409, { message: "This project has no run.", fields: [] });
      await server().ops.review(project.latest_run.id, {
        decision,
        comment: comment || undefined,
        reviewer: locals.operator!.subject,
      });
      return { reviewed: decision };
    } catch (err) {
      return failure(err);
    }
  },
  /** Puts a failed run back in line from the step that failed. */
  retry: async ({ params }) => {
    try {
      const project = await server().ops.project(params.id);
      if (!project.latest_run) return fail(409, { message: "This project has no run.", fields: [] });
      await server().ops.retryRun(project.latest_run.id);
      return { retried: project.latest_run.id };
    } catch (err) {
      return failure(err);
    }
  },
  /** Runs the workflow again, from the first step; refused while a run of the project is active. */
  rerun: async ({ params }) => {
    try {
      const started = await server().ops.startWorkflow(params.id);
      return { rerun: started.run_id };
    } catch (err) {
      return failure(err);
    }
  },
} satisfies Actions;
