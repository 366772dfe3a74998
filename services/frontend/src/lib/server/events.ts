/** A run's live events, relayed from the API so the browser only ever talks to this origin. */
import { error } from "@sveltejs/kit";
import { server } from "./config.ts";

export async function proxyEvents(runId: string, signal: AbortSignal): Promise<Response> {
  const upstream = await server()
    .api.runEvents(runId, signal)
    .catch(() => null);
  if (!upstream?.ok || !upstream.body)
    error(502, "The live progress is not available right now; reload the page.");
  return new Response(upstream.body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    },
  });
}
