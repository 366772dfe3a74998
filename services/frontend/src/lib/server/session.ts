/**
 * Sign-in state: a client cookie (7 days, from a magic link) and an operator cookie (12 hours,
 * from the ops sign-in), each HttpOnly, SameSite=Lax, Secure on https, sealed by `signer`.
 * The operator cookie also names a session row in the API, checked on every request and revoked
 * at sign-out, so a copied cookie dies with the sign-out rather than twelve hours later.
 */
import type { Cookies } from "@sveltejs/kit";
import { server } from "./config.ts";

export type Role = "client" | "operator";

export interface Session {
  /** The client's email or the operator's name. */
  subject: string;
  expires: number;
  /** The operator session's id in the API (operator sessions only). */
  id?: string;
}

const COOKIES: Record<Role, { name: string; ttl: number; purpose: "client-session" | "operator-session" }> = {
  client: { name: "agency_client", ttl: 7 * 24 * 3600, purpose: "client-session" },
  operator: { name: "agency_ops", ttl: 12 * 3600, purpose: "operator-session" },
};

export function readSession(cookies: Cookies, role: Role): Session | null {
  const c = COOKIES[role];
  return server().signer.open(c.purpose, cookies.get(c.name));
}

/** The operator cookie carries "<session id>:<name>"; the session must still be live in the API. */
function openOperatorCookie(cookies: Cookies): { id: string; name: string; expires: number } | null {
  const sealed = readSession(cookies, "operator");
  const colon = sealed?.subject.indexOf(":") ?? -1;
  if (!sealed || colon < 1) return null;
  return {
    id: sealed.subject.slice(0, colon),
    name: sealed.subject.slice(colon + 1),
    expires: sealed.expires,
  };
}

export async function readOperatorSession(cookies: Cookies): Promise<Session | null> {
  const cookie = openOperatorCookie(cookies);
  if (!cookie) return null;
  // An unreachable API throws: the ops console cannot work without it, and nobody passes unchecked.
  const live = await server().ops.operatorSession(cookie.id);
  if (!live || live.operator !== cookie.name) return null;
  return { subject: cookie.name, expires: cookie.expires, id: cookie.id };
}

export async function startOperatorSession(
  cookies: Cookies,
  url: URL,
  name: string,
  address: string,
): Promise<void> {
  const session = await server().ops.openOperatorSession(name, address, COOKIES.operator.ttl);
  startSession(cookies, url, "operator", `${session.id}:${name}`);
}

/** Revokes the session in the API before the cookie goes, so a copy of it is refused from now on. */
export async function endOperatorSession(cookies: Cookies, url: URL): Promise<void> {
  const cookie = openOperatorCookie(cookies);
  if (cookie) await server().ops.revokeOperatorSession(cookie.id);
  endSession(cookies, url, "operator");
}

export function startSession(cookies: Cookies, url: URL, role: Role, subject: string): void {
  const c = COOKIES[role];
  cookies.set(c.name, server().signer.seal(c.purpose, subject, c.ttl), {
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    secure: url.protocol === "https:",
    maxAge: c.ttl,
  });
}

export function endSession(cookies: Cookies, url: URL, role: Role): void {
  cookies.delete(COOKIES[role].name, { path: "/", secure: url.protocol === "https:" });
}

/** Whose rights a files link carries: a client's (by email) or the ops console's. */
export type FilesOwner = { client: string } | { operator: true };

/** A capability link to one run's files, valid for an hour; handed out after the ownership check. */
export function runFilesBase(runId: string, owner: FilesOwner): string {
  const subject = JSON.stringify({ run: runId, client: "client" in owner ? owner.client : null });
  return `/files/${server().signer.seal("run-files", subject, 3600)}`;
}

/** The run and the owner a files link was minted for, or null when it is forged or expired. */
export function openFilesToken(token: string): { runId: string; owner: FilesOwner } | null {
  const subject = server().signer.open("run-files", token)?.subject;
  if (!subject) return null;
  try {
    const { run, client } = JSON.parse(subject) as { run: unknown; client: unknown };
    if (typeof run !== "string") return null;
    return { runId: run, owner: typeof client === "string" ? { client } : { operator: true } };
  } catch {
    return null;
  }
}
