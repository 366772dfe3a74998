import { server } from "$lib/server/config.ts";
import type { PageServerLoad } from "./$types";

export const load = (async ({ url }) => {
  const email = (url.searchParams.get("email") ?? "").trim();
  const sector = (url.searchParams.get("sector") ?? "").trim();
  const leads = await server().ops.leads({ email: email || undefined, limit: 200 });
  // Projects are listed by lead; the sector filter narrows both.
  const shown = sector
    ? leads
        .map((l) => ({ ...l, projects: l.projects.filter((p) => p.sector === sector) }))
        .filter((l) => l.projects.length)
    : leads;
  return { email, sector, leads: shown };
}) satisfies PageServerLoad;
