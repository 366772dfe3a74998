/**
 * The Express app of the API. `createApp` builds it from its dependencies, so tests and the
 * local start wire in whichever adapters they run with.
 */
import express, { type Express, type RequestHandler } from "express";
import { ping } from "../../data-access/database.ts";
import { slowRequests } from "../../observability/sentry.ts";
import type { Deps } from "../../business-logic/deps.ts";
import type { RunEvents } from "../../business-logic/run-events.ts";
import { contentRoutes } from "./content-routes.ts";
import {
  errorHandler,
  notFoundHandler,
  refuseUnstorableRequest,
  isOperator,
  requestContext,
  securityHeaders,
} from "./middleware.ts";
import { operatorSignInRoutes } from "./operator-sign-in-routes.ts";
import { referenceRoutes } from "./openapi.ts";
import { portalRoutes } from "./portal-routes.ts";
import { reviewRoutes } from "./review-routes.ts";
import { operatorRoutes, publicRoutes, webhookRoutes } from "./routes.ts";

export type DependencyState = { status: "up" | "down"; latency_ms: number; error?: string };

/**
 * The seed's health shape, which uptime monitors look for. `details` (latencies and error text,
 * which can name hosts and buckets) is for operators only; the handler drops it for anyone else.
 */
export interface HealthReport {
  /** healthy: everything answers; degraded: the database answers, something else does not; unhealthy: no database. */
  status: "healthy" | "degraded" | "unhealthy";
  version: string;
  dependencies: Record<string, "up" | "down">;
  details: Record<string, DependencyState>;
}

async function probe(check: () => Promise<unknown>, timeoutMs = 2000): Promise<DependencyState> {
  const started = performance.now();
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref(),
      ),
    ]);
    return { status: "up", latency_ms: Math.round(performance.now() - started) };
  } catch (err) {
    return {
      status: "down",
      latency_ms: Math.round(performance.now() - started),
      error: err instanceof Error ? err.message : String(err),
    };
  }
}

export async function health(
  deps: Pick<Deps, "pool" | "queue" | "assets" | "config">,
): Promise<HealthReport> {
  const [database, queue, storage] = await Promise.all([
    probe(() => ping(deps.pool)),
    probe(() => deps.queue.depth()),
    probe(() => deps.assets.ping()),
  ]);
  // The queue is BullMQ on Redis when REDIS_URL is set; the in-process queue otherwise.
  const details = { database, [deps.config.redisUrl ? "redis" : "queue"]: queue, storage };
  const status =
    database.status === "down"
      ? "unhealthy"
      : Object.values(details).every((d) => d.status === "up")
        ? "healthy"
        : "degraded";
  return {
    status,
    version: deps.config.version,
    dependencies: Object.fromEntries(Object.entries(details).map(([name, d]) => [name, d.status])),
    details,
  };
}

/**
 * GET /health for the API and the worker: 200 when healthy, 503 otherwise. Everyone gets the
 * status and which dependency is up; only a request with the operator token gets latencies and
 * error text. Errors always go to the log.
 */
export function healthHandler(
  deps: Pick<Deps, "pool" | "queue" | "assets" | "config" | "logger">,
): RequestHandler {
  return async (req, res) => {
    const report = await health(deps);
    const down = Object.entries(report.details).filter(([, d]) => d.status === "down");
    if (down.length)
      deps.logger.warn({ dependencies: Object.fromEntries(down) }, "health check: dependency down");
    const { details, ...summary } = report;
    res
      .status(report.status === "healthy" ? 200 : 503)
      .set("cache-control", "no-store")
      .json(isOperator(req, deps.config.adminToken) ? { ...summary, details } : summary);
  };
}

export function createApp(deps: Deps, events: RunEvents): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", "loopback, uniquelocal");
  app.use(requestContext(deps.logger, deps.metrics));
  app.use(slowRequests());
  app.use(refuseUnstorableRequest);
  app.use(securityHeaders);

  app.get("/health", healthHandler(deps));
  app.get("/metrics", async (_req, res) => {
    const depth = await deps.queue.depth().catch(() => null);
    if (depth)
      for (const [state, n] of Object.entries(depth))
        deps.metrics.queueDepth.set({ queue: "runs", state }, n);
    res.set("content-type", deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  app.use(publicRoutes(deps, events));
  app.use(operatorRoutes(deps));
  app.use(reviewRoutes(deps));
  app.use(webhookRoutes(deps));
  app.use(portalRoutes(deps));
  app.use(operatorSignInRoutes(deps));
  app.use(contentRoutes(deps));
  app.use(referenceRoutes(deps));
  app.use(notFoundHandler);
  app.use(errorHandler());
  return app;
}
