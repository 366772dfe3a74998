/**
 * Errors and slow requests to Sentry, when `SENTRY_DSN` is set; nothing happens without it.
 * No personal data leaves: every event is scrubbed before it is sent (addresses and IPs in any
 * string, the user, cookies, request bodies, query strings and headers), whatever the SDK or a
 * caller attached. Leads' emails are the agency's most sensitive data; Sentry never needs them.
 */
import type * as SentrySdk from "@sentry/node";
import type { RequestHandler } from "express";

export interface SentryOptions {
  dsn: string | undefined;
  /** "orchestrator" or "worker"; a tag on every event. */
  service: string;
  release?: string;
  /** Defaults to "production". */
  environment?: string;
  /** Requests slower than this are reported as warnings. Defaults to 2000 ms. */
  slowRequestMs?: number;
}

export interface SentryHandle {
  captureError(err: unknown, context?: ErrorContext): string;
  /** Express middleware reporting requests slower than the threshold (by route template). */
  slowRequests(): RequestHandler;
  flush(timeoutMs?: number): Promise<boolean>;
  close(timeoutMs?: number): Promise<boolean>;
}

/** What an event may say about where an error happened; ids, never personal data. */
export interface ErrorContext {
  requestId?: string;
  route?: string;
  method?: string;
  runId?: string;
  step?: string;
  [key: string]: string | number | boolean | undefined;
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const IPV4 = /\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/g;
// Full and compressed IPv6 forms with at least three groups, so times like 12:30 survive.
const IPV6 = /\b(?:[0-9a-f]{1,4}:){2,7}(?::|[0-9a-f]{1,4})(?::[0-9a-f]{1,4})*\b|::ffff:[0-9.]+/gi;
const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|api[-_]?key|signature|dsn|email/i;

export function scrubString(s: string): string {
  return s.replace(EMAIL, "[email]").replace(IPV6, "[ip]").replace(IPV4, "[ip]");
}

/** Every string scrubbed, every value under a secret-looking key dropped. */
export function scrubValue<T>(value: T, depth = 0): T {
  if (typeof value === "string") return scrubString(value) as T;
  if (depth > 12 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_KEY.test(k) ? "[redacted]" : scrubValue(v, depth + 1);
  }
  return out as T;
}

/** Applied to every event before it is sent (errors, messages and transactions alike). */
export function scrubEvent<E extends SentrySdk.Event>(event: E): E {
  delete event.user;
  if (event.request) {
    const { method, url } = event.request;
    // Only the method and the path survive: bodies, cookies, headers and query strings can hold anything.
    event.request = { method, url: url ? scrubString(url.split("?")[0]!) : undefined };
  }
  delete event.server_name;
  if (event.breadcrumbs) event.breadcrumbs = event.breadcrumbs.map((b) => scrubValue(b));
  const scrubbed = scrubValue({
    message: event.message,
    exception: event.exception,
    extra: event.extra,
    contexts: event.contexts,
    tags: event.tags,
    transaction: event.transaction,
  });
  return Object.assign(event, scrubbed);
}

/** Integrations that only make spans; errors and breadcrumbs do not need them. */
const TRACING_INTEGRATIONS = new Set(["Http", "NodeFetch", "Express", "Postgres", "Redis", "Graphql"]);

let current: SentryHandle | undefined;

/**
 * Starts Sentry when a DSN is given; answers undefined (and does nothing) otherwise. The SDK (with
 * its OpenTelemetry dependencies, about 11 MiB of heap and 40 MiB resident) is loaded only then.
 */
export async function initSentry(options: SentryOptions): Promise<SentryHandle | undefined> {
  if (!options.dsn) return undefined;
  try {
    new URL(options.dsn);
  } catch {
    throw new Error(
      `SENTRY_DSN must be the DSN URL from the Sentry project settings; got an unparsable value.`,
    );
  }
  const Sentry = await import("@sentry/node");
  const slowMs = options.slowRequestMs ?? 2000;
  Sentry.init({
    dsn: options.dsn,
    release: options.release,
    environment: options.environment ?? "production",
    // Collect nothing personal in the first place; scrubEvent below catches whatever slips through.
    dataCollection: {
      userInfo: false,
      cookies: false,
      httpHeaders: false,
      httpBodies: [],
      urlQueryParams: false,
      databaseQueryData: false,
      stackFrameVariables: false,
      genAI: { inputs: false, outputs: false },
    },
    // No tracing (its span names carry hosts and raw paths); slow requests are reported as events.
    integrations: (defaults) => defaults.filter((i) => !TRACING_INTEGRATIONS.has(i.name)),
    maxBreadcrumbs: 30,
    initialScope: { tags: { service: options.service } },
    beforeSend: (event) => scrubEvent(event),
    beforeBreadcrumb: (crumb) => scrubValue(crumb),
  });

  const handle: SentryHandle = {
    captureError: (err, context = {}) =>
      Sentry.withScope((scope) => {
        for (const [k, v] of Object.entries(context)) if (v !== undefined) scope.setTag(k, String(v));
        return Sentry.captureException(err);
      }),
    slowRequests: () => (req, res, next) => {
      const started = performance.now();
      res.on("finish", () => {
        const ms = Math.round(performance.now() - started);
        if (ms < slowMs) return;
        const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : "unmatched";
        Sentry.withScope((scope) => {
          scope.setLevel("warning");
          scope.setTags({ route, method: req.method, status_code: String(res.statusCode) });
          scope.setContext("timing", { duration_ms: ms, threshold_ms: slowMs });
          scope.setFingerprint(["slow-request", req.method, route]);
          Sentry.captureMessage(`Slow request: ${req.method} ${route} took ${ms} ms`);
        });
      });
      next();
    },
    flush: (timeoutMs = 2000) => Sentry.flush(timeoutMs),
    close: async (timeoutMs = 2000) => {
      current = undefined;
      return Sentry.close(timeoutMs);
    },
  };
  current = handle;
  return handle;
}

/** Reports an error when Sentry is on; a no-op otherwise, so callers need not check. */
export function captureError(err: unknown, context?: ErrorContext): string | undefined {
  return current?.captureError(err, context);
}

/**
 * The slow-request reporter as middleware that can be mounted unconditionally: it reports only
 * while Sentry is on (checked per request, so the order of init and app creation does not matter).
 */
export function slowRequests(): RequestHandler {
  let middleware: RequestHandler | undefined;
  let owner: SentryHandle | undefined;
  return (req, res, next) => {
    if (!current) return next();
    if (owner !== current) {
      owner = current;
      middleware = current.slowRequests();
    }
    return middleware!(req, res, next);
  };
}
