import { error } from "@sveltejs/kit";
import { ApiError } from "$lib/server/api.ts";
import { server } from "$lib/server/config.ts";
import { proxyEvents } from "$lib/server/events.ts";
import type { RequestHandler } from "./$types";

export const GET: RequestHandler = async ({ params, locals, request }) => {
  try {
    const project = await server().api.project(params.id, locals.client!.subject);
    if (!project.latest_run) error(404, "This project has no run yet.");
    return proxyEvents(project.latest_run.id, request.signal);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) error(404, "No project of yours has this address.");
    throw err;
  }
};
