import { server } from "$lib/server/config.ts";
import type { PageServerLoad } from "./$types";

export const load = (async ({ url }) => {
  const status = url.searchParams.get("status") ?? "";
  const valid = ["queued", "running", "awaiting_review", "completed", "failed", "budget_exceeded"].includes(
    status,
  )
    ? status
    : "";
  return { status: valid, runs: await server().ops.runs({ status: valid || undefined, limit: 100 }) };
}) satisfies PageServerLoad;
