import { error } from "@sveltejs/kit";
import { UnsafePath } from "$lib/server/api.ts";
import { readRunFile } from "$lib/server/project-view.ts";
import { openFilesToken } from "$lib/server/session.ts";
import type { RequestHandler } from "./$types";

/**
 * A run's files through this origin. The token in the path is the capability (minted after the
 * ownership check, valid for an hour), so files referenced by relative links inside a sandboxed
 * artifact load without cookies.
 */
export const GET: RequestHandler = async ({ params }) => {
  const link = openFilesToken(params.token);
  if (!link) error(403, "This file link has expired; reload the project page for a new one.");
  // The name is the run's file within it: a `..`, `.` or empty segment, or an encoded slash,
  // would make the API request leave the run's files. Refused, never resolved.
  let upstream: Response;
  try {
    upstream = await readRunFile(link.owner, link.runId, params.name);
  } catch (err) {
    if (err instanceof UnsafePath) error(400, "This is not the name of a file of this project.");
    throw err;
  }
  if (upstream.status === 404) error(404, "This file does not exist.");
  if (!upstream.ok) error(502, "The file could not be loaded right now.");
  return new Response(upstream.body, {
    headers: {
      "content-type": upstream.headers.get("content-type") ?? "application/octet-stream",
      "cache-control": "private, max-age=300",
      "x-content-type-options": "nosniff",
      // An artifact is the pipeline's output: shown, never with this origin's rights.
      "content-security-policy":
        "sandbox allow-scripts; default-src 'self' 'unsafe-inline' data: blob:; connect-src 'none'; frame-ancestors 'self'",
      "x-frame-options": "SAMEORIGIN",
      // The path holds the capability: never hand it to another site in a Referer.
      "referrer-policy": "no-referrer",
    },
  });
};
