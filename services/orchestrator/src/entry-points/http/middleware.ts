/**
 * Cross-cutting HTTP concerns: request ids and logs, metrics by route template, JSON bodies with
 * clear errors, operator auth, and the one error handler.
 */
import { randomUUID, timingSafeEqual, createHash } from "node:crypto";
import express, { type ErrorRequestHandler, type RequestHandler } from "express";
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

export function requestContext(logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const given = req.get("x-request-id");
    req.id = given && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
    req.log = logger.child({ requestId: req.id });
    res.setHeader("x-request-id", req.id);
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // The route template, never the raw path: ids would explode the label set.
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : "unmatched";
      const labels = { method: req.method, route, status_code: String(res.statusCode) };
      metrics.httpDuration.observe(labels, seconds);
      metrics.httpRequests.inc(labels);
      const level = res.statusCode >= 500 ? "error" : res.statusCode >= 400 ? "warn" : "info";
      req.log[level](
        { method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1000) },
        "request",
      );
    });
    next();
  };
}

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
  ];
}

function sameSecret(given: string, expected: string): boolean {
  // Hash both so the comparison is constant-time whatever their lengths.
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Whether the request carries the operator token as its bearer. */
export function isOperatorRequest(req: express.Request, adminToken: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(req.get("authorization") ?? "");
  return Boolean(match && sameSecret(match[1]!.trim(), adminToken));
}

export function requireOperator(adminToken: string): RequestHandler {
  return (req, res, next) => {
    if (!isOperatorRequest(req, adminToken)) {
      res.setHeader("www-authenticate", 'Bearer realm="agency-operators"');
      next(
        new HttpError(
          401,
          "unauthorized",
          "Operator endpoints need Authorization: Bearer <AGENCY_ADMIN_TOKEN>.",
        ),
      );
      return;
    }
    next();
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, "not_found", `No route for ${req.method} ${req.path}.`));
};

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
}

export function errorHandler(): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const parserError = err as BodyParserError;
    let httpError: HttpError;
    if (err instanceof HttpError) {
      httpError = err;
    } else if (parserError?.type === "entity.parse.failed") {
      httpError = new HttpError(400, "malformed_json", "The body is not valid JSON.", [
        { field: "body", message: "is not valid JSON" },
      ]);
    } else if (parserError?.type === "entity.too.large") {
      httpError = new HttpError(
        413,
        "payload_too_large",
        `The body is larger than ${parserError.limit} bytes.`,
        [{ field: "body", message: `must be at most ${parserError.limit} bytes` }],
      );
    } else if (parserError?.type && parserError.status && parserError.status < 500) {
      httpError = new HttpError(parserError.status, "bad_request", parserError.message);
    } else {
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
    res.status(httpError.status).json({
      error: httpError.code,
      message: httpError.message,
      ...(httpError.fields ? { fields: httpError.fields } : {}),
      request_id: req.id,
    });
  };
}
