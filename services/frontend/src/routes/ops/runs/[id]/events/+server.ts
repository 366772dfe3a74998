import { proxyEvents } from "$lib/server/events.ts";
import type { RequestHandler } from "./$types";

export const GET: RequestHandler = ({ params, request }) => proxyEvents(params.id, request.signal);
