import type { IncomingMessage, Server, ServerResponse } from "node:http";

/** The header Caddy's active health checks carry (the Caddyfile's health_headers). */
export const HEALTH_CHECK_HEADER = "x-agency-health-check";

export interface DrainOptions {
  /**
   * How long the server goes on accepting after the drain starts, answering Caddy's health check
   * 503 and everything else with `Connection: close`: longer than Caddy's check interval plus
   * timeout (2 s + 2 s), so Caddy has taken the replica out before the listener and the idle
   * kept-alive connections close and no request meets either. Defaults to 5000.
   */
  idleGraceMs?: number;
  /** Then how long busy connections (event streams) may go on before they are cut. Defaults to 5000. */
  forceAfterMs?: number;
}

/**
 * A server that drains behind Caddy without dropping a request: `drain()` fails Caddy's health
 * check, answers every request from then on (and those in flight, if not yet answered) with
 * `Connection: close`, and once Caddy has let go stops accepting, closes the idle connections
 * and resolves when every connection has ended. services/frontend/drain.js does the same for
 * the portal; stack/replicas.tools.test.ts runs both behind the real Caddy.
 */
export function drainable(server: Server, options: DrainOptions = {}): { drain(): Promise<void> } {
  const idleGraceMs = options.idleGraceMs ?? 5000;
  const forceAfterMs = options.forceAfterMs ?? 5000;
  let draining = false;
  const open = new Set<ServerResponse>();
  // Ahead of every request listener, whenever it was added: a request seen while draining may
  // be answered here and then never reaches the app.
  const emit = server.emit.bind(server) as (event: string, ...args: unknown[]) => boolean;
  server.emit = ((event: string, ...args: unknown[]) => {
    if (event !== "request") return emit(event, ...args);
    const [req, res] = args as [IncomingMessage, ServerResponse];
    if (!draining) {
      open.add(res);
      res.once("close", () => open.delete(res));
    } else {
      res.setHeader("connection", "close");
      if (req.headers[HEALTH_CHECK_HEADER] !== undefined) {
        res.statusCode = 503;
        res.end("draining");
        return true;
      }
    }
    return emit(event, ...args);
  }) as typeof server.emit;
  return {
    drain: () =>
      new Promise<void>((resolve) => {
        draining = true;
        for (const res of open) if (!res.headersSent) res.setHeader("connection", "close");
        let force: NodeJS.Timeout | undefined;
        setTimeout(() => {
          // http.Server#close also closes the idle connections (Node 19+).
          server.close(() => {
            clearTimeout(force);
            resolve();
          });
          force = setTimeout(() => server.closeAllConnections(), forceAfterMs);
        }, idleGraceMs);
      }),
  };
}
