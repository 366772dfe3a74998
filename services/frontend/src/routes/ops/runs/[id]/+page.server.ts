import { error } from "@sveltejs/kit";
import { ApiError } from "$lib/server/api.ts";
import { server } from "$lib/server/config.ts";
import type { PageServerLoad } from "./$types";

export const load = (async ({ params }) => {
  try {
    return { run: await server().ops.run(params.id) };
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) error(404, "No run has this id.");
    throw err;
  }
}) satisfies PageServerLoad;
