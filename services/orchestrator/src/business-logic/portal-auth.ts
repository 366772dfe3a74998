/**
 * What the client portal needs from the API: single-use sign-in links sent by email, and reads of
 * a client's own projects. The portal's server calls these with the operator token and keeps its
 * own session cookie; ownership is decided here, by the lead's email, so no portal bug can show
 * one client another client's project.
 */
import { createHash, randomBytes } from "node:crypto";
import type pg from "pg";
import { z } from "zod";
import { withTransaction } from "../data-access/database.ts";
import { listProjectEmails } from "../data-access/campaigns.ts";
import type { Queryable } from "../data-access/database.ts";
import { getProject } from "../data-access/leads-projects.ts";
import { insertMagicLink, isKnownLead, useMagicLink } from "../data-access/portal-sessions.ts";
import { getRun, runFile } from "../data-access/runs.ts";
import type { Deps } from "./deps.ts";
import { HttpError, notFound } from "./errors.ts";
import { fieldErrors, mailboxOf } from "./intake.ts";

export const MAGIC_LINK_TTL_SECONDS = 15 * 60;
/** Sign-in links one address may ask for within MAGIC_LINK_TTL_SECONDS. */
export const MAGIC_LINKS_PER_WINDOW = 5;

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

/** Only a path of the portal itself: an open redirect would turn the sign-in email into phishing. */
const portalPath = z
  .string({ error: "must be a string" })
  .max(500, { error: "must be at most 500 characters" })
  .refine(
    (p) => /^\/portal(\/[\w\-./]*)?(\?[\w\-=&%.]*)?$/.test(p) && !p.includes("//") && !p.includes(".."),
    {
      error: "must be a path under /portal, such as /portal/projects/<id>",
    },
  );

const emailField = z
  .string({ error: "is required" })
  .trim()
  .max(254, { error: "must be at most 254 characters" })
  .pipe(z.email({ error: "must be a valid email address" }));

export const magicLinkRequest = z.strictObject(
  { email: emailField, redirect: portalPath.optional() },
  { error: (issue) => (issue.code === "unrecognized_keys" ? "is not a field of this request" : undefined) },
);

function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const fields = fieldErrors(parsed.error);
  throw new HttpError(
    422,
    "invalid_request",
    `Invalid ${what}: ${fields.map((f) => `${f.field} ${f.message}`).join("; ")}.`,
    fields,
  );
}

export function parseEmail(value: unknown): string {
  return parse(z.object({ email: emailField }), { email: value }, "query").email;
}

/**
 * Who issues and checks the tokens of sign-in links. The agency's own (the default) makes random
 * tokens and trusts its table; Supabase Auth (data-access/supabase.ts, when SUPABASE_URL and
 * SUPABASE_SERVICE_KEY are set) makes them with `auth.admin.generateLink` and checks them with
 * `auth.verifyOtp`. Either way the agency sends the email, counts the requests, keeps the hash
 * and the redirect, and uses a link up once: only the token's maker changes.
 */
export interface PortalSignIn {
  provider: "agency" | "supabase";
  /** A fresh single-use token for a sign-in link of this (known) address. */
  issue(email: string): Promise<string>;
  /** Whether the provider accepts the token as this address's sign-in; called once per token. */
  verify(token: string, email: string): Promise<boolean>;
}

const newToken = () => randomBytes(32).toString("base64url");

export const agencySignIn: PortalSignIn = {
  provider: "agency",
  issue: async () => newToken(),
  // The row the token's hash found is the whole proof.
  verify: async () => true,
};

async function issueWith(signIn: PortalSignIn, email: string, logger: Deps["logger"]): Promise<string> {
  try {
    return await signIn.issue(email);
  } catch (err) {
    logger.error({ err, provider: signIn.provider }, "could not issue a portal sign-in link");
    throw new HttpError(
      503,
      "sign_in_unavailable",
      "Sign-in links cannot be made right now; try again soon.",
    );
  }
}

export interface MagicLinkRequested {
  /** When the link stops working. The answer is the same whether or not the address is known. */
  expires_at: string;
}

/**
 * Sign-in links are bounded per mailbox (MAGIC_LINKS_PER_WINDOW per MAGIC_LINK_TTL_SECONDS, with
 * +tags and gmail dots folded as for the intake) and for the whole agency
 * (AGENCY_SIGN_IN_EMAILS_PER_HOUR sent), so neither the form nor the intake that asks for a link
 * can make the agency mail any address without end. Unknown addresses count too, and are told the
 * same when the agency's budget is spent, so the answer never reveals who is a client.
 */
export function signInLimits(deps: Pick<Deps, "rateLimits" | "config">) {
  const perMailbox = deps.rateLimits.limit("sign-in-mailbox", MAGIC_LINKS_PER_WINDOW, MAGIC_LINK_TTL_SECONDS);
  const sent = deps.rateLimits.limit("sign-in-sent", deps.config.signInEmailsPerHour, 3600);
  const tooMany = (seconds: number) =>
    new HttpError(
      429,
      "rate_limited",
      `Too many sign-in links were asked for this address; try again in ${Math.ceil(seconds / 60)} minutes.`,
      [
        {
          field: "email",
          message: `has asked for ${MAGIC_LINKS_PER_WINDOW} sign-in links recently; wait before asking again`,
        },
      ],
      { "retry-after": String(seconds) },
    );
  const busy = (seconds: number) =>
    new HttpError(
      429,
      "capacity_reached",
      `The agency has sent all the sign-in emails it may this hour; try again in ${Math.ceil(seconds / 60)} minutes.`,
      undefined,
      { "retry-after": String(seconds) },
    );
  return {
    /** Counts the request against its mailbox, and refuses when the agency's budget is spent. */
    async admit(email: string): Promise<void> {
      const mailbox = createHash("sha256").update(mailboxOf(email)).digest("base64url");
      const own = await perMailbox.take(mailbox);
      if (!own.ok) throw tooMany(own.retryAfterSeconds);
      const full = await sent.isSpent("agency");
      if (full.spent) throw busy(full.retryAfterSeconds);
    },
    /** Takes one email from the agency's budget just before it is sent; atomic, so it never overshoots. */
    async send(): Promise<void> {
      const taken = await sent.take("agency");
      if (!taken.ok) throw busy(taken.retryAfterSeconds);
    },
  };
}

/**
 * Creates a single-use sign-in link and emails it. An address with no project gets no email, but
 * the answer and the rate limit are the same, so the endpoint tells nobody who is a client.
 */
export async function requestMagicLink(
  deps: Pick<Deps, "pool" | "mailer" | "config" | "logger" | "portalSignIn">,
  body: unknown,
  limits?: ReturnType<typeof signInLimits>,
): Promise<MagicLinkRequested> {
  const { email, redirect = "/portal" } = parse(magicLinkRequest, body, "sign-in request");
  const { pool, config } = deps;
  await limits?.admit(email);
  const delivered = await isKnownLead(pool, email);
  // An unknown address never reaches the provider (no Auth user is made for a stranger). The
  // token is made before the email budget is taken, so a provider outage does not spend it.
  const token = delivered
    ? await issueWith(deps.portalSignIn ?? agencySignIn, email, deps.logger)
    : newToken();
  if (delivered) await limits?.send();
  const tokenHash = hashToken(token);
  const expiresAt = await insertMagicLink(pool, {
    tokenHash,
    email,
    redirect,
    delivered,
    ttlSeconds: MAGIC_LINK_TTL_SECONDS,
  });
  if (delivered) {
    const link = `${config.publicPortalUrl}/portal/auth?token=${token}`;
    await deps.mailer.send({
      from: config.mailFrom,
      to: email,
      subject: "Your sign-in link to RoboAgency",
      html: signInHtml(link),
      text: `Sign in to your RoboAgency portal:\n\n${link}\n\nThe link works once, for 15 minutes. If you did not ask for it, ignore this email.\n`,
      idempotencyKey: `portal-sign-in-${tokenHash.slice(0, 32)}`,
      tags: { kind: "portal_sign_in" },
    });
  }
  deps.logger.info({ delivered }, "portal sign-in link requested");
  return { expires_at: expiresAt.toISOString() };
}

function signInHtml(link: string): string {
  const href = link.replace(/&/g, "&amp;").replace(/"/g, "&quot;");
  return `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#111827;max-width:32rem;margin:2rem auto">
<h1 style="font-size:1.25rem">Sign in to your RoboAgency portal</h1>
<p>Follow this link to see your project, its progress and everything the agency made for it.</p>
<p><a href="${href}" style="display:inline-block;background:#1d4ed8;color:#ffffff;padding:.75rem 1.25rem;border-radius:.375rem;text-decoration:none">Sign in</a></p>
<p style="color:#4b5563;font-size:.875rem">The link works once, for 15 minutes. If you did not ask for it, ignore this email.</p>
</body></html>`;
}

export const sessionRequest = z.strictObject({
  token: z.string({ error: "is required" }).regex(/^[\w-]{20,100}$/, { error: "is not a sign-in token" }),
});

/**
 * Uses up a sign-in link: answers whom it signs in, or 401 when it is unknown, used or expired.
 * The row is used up before the provider sees the token, so a token is offered to it at most
 * once; when the provider cannot be asked, the transaction rolls back and the link still works.
 */
export async function consumeMagicLink(
  pool: pg.Pool,
  body: unknown,
  signIn: PortalSignIn = agencySignIn,
): Promise<{ email: string; redirect: string }> {
  const { token } = parse(sessionRequest, body, "session request");
  const signedIn = await withTransaction(pool, async (tx) => {
    const link = await useMagicLink(tx, hashToken(token));
    return link && (await verifyWith(signIn, token, link.email)) ? link : undefined;
  });
  if (!signedIn) {
    throw new HttpError(
      401,
      "invalid_token",
      "This sign-in link is unknown, already used or expired; ask for a new one.",
    );
  }
  return signedIn;
}

async function verifyWith(signIn: PortalSignIn, token: string, email: string): Promise<boolean> {
  try {
    return await signIn.verify(token, email);
  } catch {
    throw new HttpError(503, "sign_in_unavailable", "Sign-in cannot be checked right now; try again soon.");
  }
}

export { listClientProjects } from "../data-access/portal-sessions.ts";

/**
 * A project as its client sees it: the project, its latest run with steps and artifacts, and the
 * campaign's delivery state. Someone else's project is "not found", exactly like a missing one.
 */
export async function getClientProject(pool: Queryable, projectId: string, email: string | undefined) {
  const project = await getProject(pool, projectId);
  if (!project) throw notFound("The project");
  if (email !== undefined && project.lead.email.toLowerCase() !== email.toLowerCase()) {
    throw notFound("The project");
  }
  const latest = project.runs[0] as { id: string } | undefined;
  const [run, emails] = await Promise.all([
    latest ? getRun(pool, latest.id) : null,
    listProjectEmails(pool, projectId),
  ]);
  return { ...project, latest_run: run, emails };
}

/**
 * One stored artifact of a run, by its name within the run (e.g. "wireframes/landing.svg").
 * With `email`, only a run of that client's projects: another client's file answers as missing.
 */
export async function readRunFile(
  deps: Pick<Deps, "pool" | "assets">,
  runId: string,
  name: string,
  email?: string,
) {
  const asset = await runFile(deps.pool, runId, name, email);
  if (!asset) throw notFound("The file");
  const stored = await deps.assets.get(asset.storage_key);
  if (!stored) throw notFound("The file");
  return { body: stored.body, contentType: asset.content_type };
}
