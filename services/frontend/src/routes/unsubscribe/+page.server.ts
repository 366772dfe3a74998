import { fail } from "@sveltejs/kit";
import { server } from "$lib/server/config.ts";
import { ApiError, ApiUnavailable } from "$lib/server/api.ts";
import type { Actions, PageServerLoad } from "./$types";

/**
 * The unsubscribe link of every campaign email and newsletter (`?token=`, the lead's signed
 * token; campaign emails sent before tokens carry `?project=`, which the API accepts only for
 * them). Opening it changes nothing, since mail scanners open links; the button does.
 */
function linkOf(params: URLSearchParams | FormData): { token: string } | { project_id: string } | null {
  const token = params.get("token");
  const project = params.get("project");
  if (typeof token === "string" && token) return { token };
  if (typeof project === "string" && project) return { project_id: project };
  return null;
}

export const load = (async ({ url }) => {
  const link = linkOf(url.searchParams);
  return {
    token: url.searchParams.get("token") ?? "",
    project: url.searchParams.get("project") ?? "",
    valid: link !== null,
  };
}) satisfies PageServerLoad;

export const actions = {
  default: async ({ request }) => {
    const link = linkOf(await request.formData());
    if (!link)
      return fail(400, { message: "This unsubscribe link is incomplete; use the link from the email." });
    try {
      await server().api.unsubscribe(link);
    } catch (err) {
      if (err instanceof ApiUnavailable) {
        return fail(503, { message: "We could not reach our systems; please try again in a minute." });
      }
      if (err instanceof ApiError && err.status < 500) {
        return fail(400, { message: "This unsubscribe link is not valid; use the link from the email." });
      }
      throw err;
    }
    return { unsubscribed: true };
  },
} satisfies Actions;
