import type { Health } from "$lib/server/api.ts";
import { server } from "$lib/server/config.ts";
import type { PageServerLoad } from "./$types";

export const load = (async ({ locals }) => {
  const { ops: api } = server();
  const [health, runs] = await Promise.all([
    api.health().catch((err: Error) => ({
      status: "unreachable" as const,
      version: "",
      dependencies: {},
      details: {} as NonNullable<Health["details"]>,
      error: err.message,
    })),
    api.runs({ limit: 10 }),
  ]);
  return { operator: locals.operator!.subject, health, runs };
}) satisfies PageServerLoad;
