import { error } from "@sveltejs/kit";
import { server } from "$lib/server/config.ts";
import { runOfFilesToken } from "$lib/server/session.ts";
import type { RequestHandler } from "./$types";

/**
 * A run's files through this origin. The token in the path is the capability (minted after the
 * ownership check, valid for an hour), so files referenced by relative links inside a sandboxed
 * artifact load without cookies.
 */
export const GET: RequestHandler = async ({ params }) => {
  const runId = runOfFilesToken(params.token);
  if (!runId) error(403, "This file link has expired; reload the project page for a new one.");
  const upstream = await server().api.runFile(runId, params.name);
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
