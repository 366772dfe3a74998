/**
 * The Express app of the API. `createApp` builds it from its dependencies, so tests and the
 * local start wire in whichever adapters they run with.
 */
import express, { type Express, type RequestHandler } from "express";
import { slowRequests } from "../../observability/sentry.ts";
import type { Deps } from "../../business-logic/deps.ts";
import type { RunEvents } from "../../business-logic/run-events.ts";
import { contentRoutes } from "./content-routes.ts";
import { errorHandler, notFoundHandler, requestContext } from "./middleware.ts";
import { referenceRoutes } from "./openapi.ts";
import { portalRoutes } from "./portal-routes.ts";
import { reviewRoutes } from "./review-routes.ts";
import { operatorRoutes, publicRoutes, webhookRoutes } from "./routes.ts";

type DependencyState = { status: "up" | "down"; latency_ms: number; error?: string };

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

/** The seed's health shape: 200 when every dependency answers, 503 otherwise. */
export async function health(deps: Pick<Deps, "pool" | "queue" | "assets" | "config">) {
  const [database, queue, storage] = await Promise.all([
    probe(() => deps.pool.query("SELECT 1")),
    probe(() => deps.queue.depth()),
    probe(() => deps.assets.ping()),
  ]);
  const dependencies = { database, queue, storage };
  const ok = Object.values(dependencies).every((d) => d.status === "up");
  return { status: ok ? "ok" : "degraded", version: deps.config.version, dependencies } as const;
}

/**
 * GET /health for the API and the worker. In production a dependency's error text (hosts,
 * buckets) goes to the log, not to whoever asks; locally it is shown to help.
 */
export function healthHandler(
  deps: Pick<Deps, "pool" | "queue" | "assets" | "config" | "logger">,
): RequestHandler {
  return async (_req, res) => {
    const report = await health(deps);
    const down = Object.entries(report.dependencies).filter(([, d]) => d.status === "down");
    if (down.length)
      deps.logger.warn({ dependencies: Object.fromEntries(down) }, "health check: dependency down");
    if (deps.config.mode === "production") {
      for (const d of Object.values(report.dependencies)) delete d.error;
    }
    res
      .status(report.status === "ok" ? 200 : 503)
      .set("cache-control", "no-store")
      .json(report);
  };
}

export function createApp(deps: Deps, events: RunEvents): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", "loopback, uniquelocal");
  app.use(requestContext(deps.logger, deps.metrics));
  app.use(slowRequests());
  app.use((_req, res, next) => {
    res.set({ "x-content-type-options": "nosniff", "referrer-policy": "no-referrer" });
    next();
  });

  app.get("/health", async (_req, res) => {
    const report = await health(deps);
    res
      .status(report.status === "ok" ? 200 : 503)
      .set("cache-control", "no-store")
      .json(report);
  });
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
  app.use(contentRoutes(deps));
  app.use(referenceRoutes(deps));
  app.use(notFoundHandler);
  app.use(errorHandler());
  return app;
}
