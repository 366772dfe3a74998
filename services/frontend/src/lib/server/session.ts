/**
 * Sign-in state: a client cookie (7 days, from a magic link) and an operator cookie (12 hours,
 * from the ops sign-in), each HttpOnly, SameSite=Lax, Secure on https, sealed by `signer`.
 */
import type { Cookies } from "@sveltejs/kit";
import { server } from "./config.ts";

export type Role = "client" | "operator";

export interface Session {
  /** The client's email or the operator's name. */
  subject: string;
  expires: number;
}

const COOKIES: Record<Role, { name: string; ttl: number; purpose: "client-session" | "operator-session" }> = {
  client: { name: "agency_client", ttl: 7 * 24 * 3600, purpose: "client-session" },
  operator: { name: "agency_ops", ttl: 12 * 3600, purpose: "operator-session" },
};

export function readSession(cookies: Cookies, role: Role): Session | null {
  const c = COOKIES[role];
  return server().signer.open(c.purpose, cookies.get(c.name));
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
