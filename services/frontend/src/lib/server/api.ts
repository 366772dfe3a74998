/**
 * The one client of the orchestrator API. Each instance carries one token, which lives in
 * server-only modules: the portal token for everything done on a visitor's or client's behalf,
 * the operator token only for the ops console (see config.ts). The browser never talks to the
 * API directly.
 */

import type {
  CampaignEmailState,
  ClientProject,
  Health,
  IntakeAccepted,
  ProjectSummary,
  Run,
  Sector,
} from "../types.ts";

export type * from "../types.ts";

export interface FieldError {
  field: string;
  message: string;
}

/** The API answered with an error; `fields` names each bad field when it is a validation error. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldError[] = [],
    readonly retryAfter?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The API could not be reached at all (down, refused, timed out). */
export class ApiUnavailable extends Error {
  override name = "ApiUnavailable";
}

type Query = Record<string, string | number | undefined>;

/** A path the portal was asked to build would leave the resource it names (`..`, `%2f`, …). */
export class UnsafePath extends Error {
  override name = "UnsafePath";
}

/**
 * One path segment taken from a request (a file name's part). Dot segments, empty segments and
 * separators or NUL inside a segment are refused: `new URL()` would resolve them and the request
 * would reach another route with this client's token.
 */
export function pathSegment(segment: string): string {
  if (segment === "" || segment === "." || segment === ".." || /[/\\\0]/.test(segment)) {
    throw new UnsafePath(`"${segment}" is not a plain path segment.`);
  }
  const encoded = encodeURIComponent(segment);
  // encodeURIComponent leaves dots alone; %2e spellings are refused by the check above already.
  return encoded;
}

export function createApi(options: { baseUrl: string; token: string; timeoutMs?: number }) {
  const base = options.baseUrl.replace(/\/$/, "");
  const basePath = new URL(base).pathname.replace(/\/$/, "");

  async function raw(
    method: string,
    path: string,
    init: { json?: unknown; query?: Query; headers?: Record<string, string>; stream?: boolean } = {},
  ): Promise<Response> {
    const url = new URL(base + path);
    // Whatever a caller put in the path, the request goes to the path it wrote, not one that URL
    // resolution made of it.
    if (url.pathname !== basePath + path) throw new UnsafePath(`${path} does not resolve to itself.`);
    for (const [k, v] of Object.entries(init.query ?? {}))
      if (v !== undefined && v !== "") url.searchParams.set(k, String(v));
    const headers: Record<string, string> = {
      authorization: `Bearer ${options.token}`,
      ...init.headers,
    };
    if (init.json !== undefined) headers["content-type"] = "application/json";
    try {
      return await fetch(url, {
        method,
        headers,
        body: init.json === undefined ? undefined : JSON.stringify(init.json),
        // Event streams stay open; everything else must answer quickly.
        signal: init.stream ? undefined : AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new ApiUnavailable(`The agency's API did not answer (${(err as Error).message}).`, {
        cause: err,
      });
    }
  }

  async function send<T>(method: string, path: string, init: Parameters<typeof raw>[2] = {}): Promise<T> {
    const res = await raw(method, path, init);
    const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    if (!res.ok) {
      throw new ApiError(
        res.status,
        typeof body?.error === "string" ? body.error : "error",
        typeof body?.message === "string" ? body.message : `The API answered ${res.status}.`,
        Array.isArray(body?.fields) ? (body.fields as FieldError[]) : [],
        res.headers.get("retry-after") ?? undefined,
      );
    }
    return body as T;
  }

  return {
    raw,
    sectors: () => send<{ sectors: Sector[] }>("GET", "/v1/sectors").then((r) => r.sectors),
    /** `clientAddress` is the visitor's, so the API's per-address limit counts them, not the portal. */
    submitIntake: (body: Record<string, string>, idempotencyKey: string, clientAddress?: string) =>
      send<IntakeAccepted>("POST", "/v1/intake", {
        json: body,
        headers: {
          "idempotency-key": idempotencyKey,
          ...(clientAddress ? { "x-forwarded-for": clientAddress } : {}),
        },
      }),
    requestSignIn: (email: string, redirect?: string) =>
      send<{ expires_at: string }>("POST", "/v1/portal/magic-links", { json: { email, redirect } }),
    consumeSignIn: (token: string) =>
      send<{ email: string; redirect: string }>("POST", "/v1/portal/sessions", { json: { token } }),
    clientProjects: (email: string) =>
      send<{ projects: ProjectSummary[] }>("GET", "/v1/portal/projects", { query: { email } }).then(
        (r) => r.projects,
      ),
    /** `email` scopes the read to that client; operators pass none. */
    project: (id: string, email?: string) =>
      send<ClientProject>("GET", `/v1/portal/projects/${encodeURIComponent(id)}`, { query: { email } }),
    run: (id: string) => send<Run>("GET", `/v1/runs/${encodeURIComponent(id)}`),
    runEvents: (id: string, signal: AbortSignal) =>
      // With the portal's token, the API counts these relays against its process cap only, not
      // against the per-address cap meant for one browser.
      fetch(`${base}/v1/runs/${encodeURIComponent(id)}/events`, {
        signal,
        headers: { authorization: `Bearer ${options.token}` },
      }),
    /** `email` reads as that client (the portal token needs it); operators pass none. */
    runFile: (runId: string, name: string, email?: string) =>
      raw(
        "GET",
        `/v1/portal/runs/${pathSegment(runId)}/files/${name.split("/").map(pathSegment).join("/")}`,
        { query: { email } },
      ),
    runs: (query: { status?: string; limit?: number; offset?: number }) =>
      send<{ runs: Array<Record<string, string | number | null>> }>("GET", "/v1/runs", { query }).then(
        (r) => r.runs,
      ),
    leads: (query: { email?: string; limit?: number; offset?: number }) =>
      send<{
        leads: Array<{
          id: string;
          email: string;
          name: string | null;
          company: string | null;
          created_at: string;
          projects: Array<{ id: string; sector: string; created_at: string }>;
        }>;
      }>("GET", "/v1/leads", { query }).then((r) => r.leads),
    outbox: (query: { to?: string; limit?: number }) =>
      send<{
        provider: string;
        messages: Array<{
          id: string;
          to: string;
          subject: string;
          createdAt: string;
          tags: Record<string, string>;
        }>;
      }>("GET", "/v1/outbox", { query }),
    projectEmails: (id: string) =>
      send<{ emails: CampaignEmailState[] }>("GET", `/v1/projects/${encodeURIComponent(id)}/emails`).then(
        (r) => r.emails,
      ),
    startWorkflow: (projectId: string) =>
      send<{ run_id: string }>("POST", `/v1/workflows/${encodeURIComponent(projectId)}`, {
        json: { workflow: "proto_v1" },
      }),
    review: (
      runId: string,
      body: { decision: "approve" | "send_back"; comment?: string; reviewer: string },
    ) =>
      send<{ run_id: string; status: string }>("POST", `/v1/runs/${encodeURIComponent(runId)}/review`, {
        json: body,
      }),
    /**
     * Counts one operator sign-in attempt before the password is checked (shared by every portal
     * process); an address or name over its limit is an ApiError 429 with retryAfter.
     */
    operatorSignInAttempt: (name: string, address: string) =>
      send<{ allowed: true }>("POST", "/v1/portal/operator-sign-ins", { json: { name, address } }),
    openOperatorSession: (operator: string, address: string, ttlSeconds: number) =>
      send<{ id: string; operator: string; expires_at: string }>("POST", "/v1/portal/operator-sessions", {
        json: { operator, address, ttl_seconds: ttlSeconds },
      }),
    /** The operator session while it is neither revoked nor expired, else null. */
    async operatorSession(id: string) {
      try {
        return await send<{ id: string; operator: string; expires_at: string }>(
          "GET",
          `/v1/portal/operator-sessions/${encodeURIComponent(id)}`,
        );
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }
    },
    revokeOperatorSession: async (id: string) => {
      const res = await raw("DELETE", `/v1/portal/operator-sessions/${encodeURIComponent(id)}`);
      if (!res.ok && res.status !== 404)
        throw new ApiError(res.status, "error", `The API answered ${res.status}.`);
    },
    unsubscribe: (link: { token: string } | { project_id: string }) =>
      send<{ unsubscribed: true }>("POST", "/v1/unsubscribe", { json: link }),
    retryRun: (runId: string) =>
      send<{ run_id: string; status: string }>("POST", `/v1/runs/${encodeURIComponent(runId)}/retry`),
    async health(): Promise<Health> {
      const res = await raw("GET", "/health");
      return (await res.json()) as Health;
    },
  };
}

export type Api = ReturnType<typeof createApi>;
