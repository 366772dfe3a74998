import type { Handle } from "@sveltejs/kit";
import { sequence } from "@sveltejs/kit/hooks";
import { readOperatorSession, readSession } from "$lib/server/session.ts";

const authenticate: Handle = async ({ event, resolve }) => {
  event.locals.client = readSession(event.cookies, "client");
  event.locals.operator = await readOperatorSession(event.cookies);
  return resolve(event);
};

const PUBLIC_PORTAL = ["/portal/login", "/portal/auth", "/portal/book"];

/**
 * Signed-out visitors of the portal or the console go to the matching sign-in, then come back.
 * The redirect is returned, not thrown, so `securityHeaders` (outside this hook) still sees it.
 */
const guard: Handle = async ({ event, resolve }) => {
  const path = event.url.pathname;
  const next = encodeURIComponent(path + event.url.search);
  const to = (location: string) => new Response(null, { status: 303, headers: { location } });
  if (path.startsWith("/portal") && !PUBLIC_PORTAL.includes(path) && !event.locals.client) {
    return to(`/portal/login?next=${next}`);
  }
  if (path.startsWith("/ops") && path !== "/ops/login" && !event.locals.operator) {
    return to(`/ops/login?next=${next}`);
  }
  return resolve(event);
};

/**
 * Headers for every answer, redirects included. Pages get their CSP from svelte.config.js and
 * files set their own; anything else (a redirect, an event stream) gets one that allows nothing.
 */
const securityHeaders: Handle = async ({ event, resolve }) => {
  const response = await resolve(event);
  const set = (name: string, value: string) => {
    if (!response.headers.has(name)) response.headers.set(name, value);
  };
  set(
    "content-security-policy",
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  );
  set("x-content-type-options", "nosniff");
  set("referrer-policy", "strict-origin-when-cross-origin");
  set("x-frame-options", "DENY");
  set("cross-origin-opener-policy", "same-origin");
  set("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=()");
  if (event.url.protocol === "https:")
    set("strict-transport-security", "max-age=31536000; includeSubDomains");
  if (event.locals.client || event.locals.operator) set("cache-control", "private, no-store");
  return response;
};

export const handle = sequence(securityHeaders, authenticate, guard);
