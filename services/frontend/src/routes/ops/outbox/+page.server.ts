import { server } from "$lib/server/config.ts";
import type { PageServerLoad } from "./$types";

export const load = (async ({ url }) => {
  const to = (url.searchParams.get("to") ?? "").trim();
  return { to, ...(await server().ops.outbox({ to: to || undefined, limit: 200 })) };
}) satisfies PageServerLoad;
