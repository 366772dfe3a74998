/**
 * Cross-cutting HTTP concerns: request ids and logs, metrics by route template, JSON bodies with
 * clear errors, operator auth, and the one error handler.
 */
import { randomUUID, timingSafeEqual, createHash } from "node:crypto";
import express, { type ErrorRequestHandler, type Request, type RequestHandler } from "express";
import type { Logger } from "../../observability/logger.ts";
import type { Metrics } from "../../observability/metrics.ts";
import { HttpError } from "../../business-logic/errors.ts";
import { captureError } from "../../observability/sentry.ts";

declare module "express-serve-static-core" {
  interface Request {
    id: string;
    log: Logger;
    rawBody?: Buffer;
  }
}

const LOG_PARENT = Symbol("log parent");
const LOG = Symbol("log");
type LazyLog = { [LOG_PARENT]?: Logger; [LOG]?: Logger; id: string };

// The request's logger is made when something logs, not for every request: a getter on the
// requests' prototype (defined once) makes it from the logger requestContext left on the request.
Object.defineProperty(express.request, "log", {
  configurable: true,
  enumerable: false,
  get(this: LazyLog) {
    return (this[LOG] ??= this[LOG_PARENT]?.child({ requestId: this.id }));
  },
  set(this: LazyLog, value: Logger) {
    this[LOG] = value;
  },
});

export function requestContext(logger: Logger, metrics: Metrics): RequestHandler {
  // One labelled child per route and status, made once: labelling hashes the label set.
  const series = new Map<string, { duration: { observe(v: number): void }; count: { inc(): void } }>();
  const seriesOf = (method: string, route: string, status: number) => {
    const key = `${method} ${status} ${route}`;
    let found = series.get(key);
    if (!found) {
      const labels = { method, route, status_code: String(status) };
      found = { duration: metrics.httpDuration.labels(labels), count: metrics.httpRequests.labels(labels) };
      series.set(key, found);
    }
    return found;
  };
  return (req, res, next) => {
    const given = req.get("x-request-id");
    const id = given && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
    req.id = id;
    (req as LazyLog)[LOG_PARENT] = logger;
    res.setHeader("x-request-id", id);
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // The route template, never the raw path: ids would explode the label set.
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : "unmatched";
      const { duration, count } = seriesOf(req.method, route, res.statusCode);
      duration.observe(seconds);
      count.inc();
      const level = res.statusCode >= 500 ? "error" : res.statusCode >= 400 ? "warn" : "info";
      if (!logger.isLevelEnabled(level)) return;
      req.log[level](
        { method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1000) },
        "request",
      );
    });
    next();
  };
}

/** The headers every answer carries. */
export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader("x-content-type-options", "nosniff");
  res.setHeader("referrer-policy", "no-referrer");
  next();
};

/** NUL, which Postgres cannot store in text, and a UTF-16 surrogate without its pair. */
// eslint-disable-next-line no-control-regex -- NUL is what is refused
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The path of the first string (value or key) Postgres would refuse, e.g. "edits.emails.0.html". */
export function unstorableField(value: unknown, at = ""): string | undefined {
  if (typeof value === "string") return UNSTORABLE.test(value) ? at || "body" : undefined;
  if (typeof value !== "object" || value === null) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const here = at ? `${at}.${key}` : key;
    if (UNSTORABLE.test(key)) return here;
    const found = unstorableField(inner, here);
    if (found) return found;
  }
  return undefined;
}

const unstorable = (field: string, where: string) =>
  new HttpError(
    422,
    "invalid_request",
    `${field} holds a NUL character or an unpaired UTF-16 surrogate, which cannot be stored.`,
    [{ field, message: `must not contain NUL or unpaired surrogates (${where})` }],
  );

/**
 * Refuses what no handler could store or even route: a path with a malformed %-escape, and a
 * path or query parameter holding NUL or an unpaired surrogate. Mounted before every route.
 */
export const refuseUnstorableRequest: RequestHandler = (req, _res, next) => {
  const url = req.url;
  const q = url.indexOf("?");
  // Without a %-escape the path is as Node's parser read it: one character per byte, which
  // holds neither NUL nor a surrogate; without a "?" there is no query to parse.
  if (url.indexOf("%") === -1 && q === -1) {
    next();
    return;
  }
  let path: string;
  try {
    path = decodeURIComponent(req.path);
  } catch {
    next(
      new HttpError(400, "malformed_path", "The path holds a malformed %-escape.", [
        { field: "path", message: "must be valid percent-encoded UTF-8" },
      ]),
    );
    return;
  }
  if (UNSTORABLE.test(path)) {
    next(unstorable("path", "in the path"));
    return;
  }
  const field = q === -1 ? undefined : unstorableField(req.query);
  next(field ? unstorable(field, "in the query") : undefined);
};

/** The body's counterpart, after it is parsed (JSON or a form). */
export const refuseUnstorableBody: RequestHandler = (req, _res, next) => {
  const field = unstorableField(req.body);
  next(field ? unstorable(field, "in the body") : undefined);
};

/** JSON only, within the size limit; the raw bytes are kept for signature checks. */
export function jsonBody(limitBytes: number): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    const hasBody =
      req.get("content-length") !== "0" && (req.get("content-length") || req.get("transfer-encoding"));
    if (hasBody && !req.is("application/json")) {
      next(
        new HttpError(
          415,
          "unsupported_media_type",
          "Send the body as JSON with Content-Type: application/json.",
          [{ field: "Content-Type", message: "must be application/json" }],
        ),
      );
      return;
    }
    next();
  };
  return [
    requireJson,
    express.json({
      limit: limitBytes,
      strict: false,
      verify: (req, _res, buf) => {
        (req as express.Request).rawBody = buf;
      },
    }),
    refuseUnstorableBody,
  ];
}

function sameSecret(given: string, expected: string): boolean {
  // Hash both so the comparison is constant-time whatever their lengths.
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

function bearer(req: Request): string | undefined {
  return /^Bearer\s+(.+)$/i.exec(req.get("authorization") ?? "")?.[1]?.trim();
}

/** True when the request carries the operator token. */
export function isOperator(req: express.Request, adminToken: string): boolean {
  const given = bearer(req);
  return given !== undefined && sameSecret(given, adminToken);
}

export function requireOperator(adminToken: string): RequestHandler {
  return requireToken(adminToken, "AGENCY_ADMIN_TOKEN", "Operator endpoints");
}

/**
 * A bearer token of one caller's own (the operator token, Alertmanager's); when the token is not
 * configured the route refuses everyone.
 */
export function requireToken(
  token: string | undefined,
  name: string,
  what = "This endpoint",
): RequestHandler {
  return (req, res, next) => {
    const given = bearer(req);
    if (!token || !given || !sameSecret(given, token)) {
      res.setHeader("www-authenticate", 'Bearer realm="agency-operators"');
      next(
        new HttpError(
          401,
          "unauthorized",
          token ? `${what}: send Authorization: Bearer <${name}>.` : `${what}: off, ${name} is not set.`,
        ),
      );
      return;
    }
    next();
  };
}

/**
 * The portal's routes: the portal's own token (which reaches nothing else) or the operator's.
 * The portal's server holds the portal token for every request it makes on a client's behalf.
 */
export function requirePortal(tokens: {
  adminToken: string;
  portalToken: string;
  /** During a SECRET_KEY rotation, the portal token the previous key derives. */
  previousPortalToken?: string;
}): RequestHandler {
  const portalTokens = [tokens.portalToken, tokens.previousPortalToken].filter(
    (t): t is string => t !== undefined,
  );
  return (req, res, next) => {
    const given = bearer(req);
    const asOperator = given !== undefined && sameSecret(given, tokens.adminToken);
    if (!given || !(asOperator || portalTokens.some((t) => sameSecret(given, t)))) {
      res.setHeader("www-authenticate", 'Bearer realm="agency-portal"');
      next(
        new HttpError(
          401,
          "unauthorized",
          "Portal endpoints need Authorization: Bearer <AGENCY_PORTAL_TOKEN or AGENCY_ADMIN_TOKEN>.",
        ),
      );
      return;
    }
    res.locals.caller = asOperator ? "operator" : "portal";
    next();
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, "not_found", `No route for ${req.method} ${req.path}.`));
};

interface ClientError extends Error {
  type?: string;
  status?: number;
  statusCode?: number;
  limit?: number;
  expose?: boolean;
}

/** Error codes for the client errors body-parser and the router raise (http-errors `type`s). */
const CLIENT_ERROR_CODES: Record<string, string> = {
  "encoding.unsupported": "unsupported_media_type",
  "charset.unsupported": "unsupported_media_type",
  "request.aborted": "request_aborted",
  "request.size.invalid": "bad_request",
  "parameters.too.many": "payload_too_large",
};

/** The 4xx for an error a client caused, or undefined when the fault is ours. */
export function clientErrorOf(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  const e = err as ClientError | undefined;
  if (e?.type === "entity.parse.failed") {
    return new HttpError(400, "malformed_json", "The body is not valid JSON.", [
      { field: "body", message: "is not valid JSON" },
    ]);
  }
  if (e?.type === "entity.too.large") {
    return new HttpError(413, "payload_too_large", `The body is larger than ${e.limit} bytes.`, [
      { field: "body", message: `must be at most ${e.limit} bytes` },
    ]);
  }
  // The router's "Failed to decode param" is a URIError with status 400.
  if (err instanceof URIError) {
    return new HttpError(400, "malformed_path", "The path holds a malformed %-escape.", [
      { field: "path", message: "must be valid percent-encoded UTF-8" },
    ]);
  }
  const status = e?.status ?? e?.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500 && e?.expose !== false) {
    return new HttpError(status, CLIENT_ERROR_CODES[e?.type ?? ""] ?? "bad_request", e!.message);
  }
  return undefined;
}

/** The one error handler: client errors become their 4xx; anything else is logged, reported and a 500. */
export function errorHandler(): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    let httpError = clientErrorOf(err);
    if (!httpError) {
      (req.log ?? console).error({ err }, "unhandled error");
      captureError(err, {
        requestId: req.id,
        method: req.method,
        route: req.route ? `${req.baseUrl}${String(req.route.path)}` : "unmatched",
      });
      httpError = new HttpError(
        500,
        "internal_error",
        "Something went wrong on our side; it has been logged.",
      );
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    if (httpError.headers) res.set(httpError.headers);
    res.status(httpError.status).json({
      error: httpError.code,
      message: httpError.message,
      ...(httpError.fields ? { fields: httpError.fields } : {}),
      request_id: req.id,
    });
  };
}
