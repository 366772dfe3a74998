import { clearTimeout, setTimeout } from "node:timers";

/** The header Caddy's active health checks carry (the Caddyfile's health_headers). */
export const HEALTH_CHECK_HEADER = "x-agency-health-check";

/**
 * A server that drains behind Caddy without dropping a request: `drain()` fails Caddy's health
 * check, answers every request from then on (and those in flight, if not yet answered) with
 * `Connection: close`, and once Caddy has let go stops accepting, closes the idle connections
 * and resolves when every connection has ended. The API's
 * services/orchestrator/src/entry-points/http/drain.ts is the same (the portal's image holds
 * only this folder); stack/replicas.tools.test.ts runs both behind the real Caddy.
 *
 * @param {import("node:http").Server} server
 * @param {{ idleGraceMs?: number, forceAfterMs?: number }} [options] idleGraceMs: how long the
 *   server goes on accepting, longer than Caddy's check interval plus timeout (defaults to 5000);
 *   forceAfterMs: then how long busy connections may go on before they are cut (defaults to 5000).
 * @returns {{ drain(): Promise<void> }}
 */
export function drainable(server, options = {}) {
  const idleGraceMs = options.idleGraceMs ?? 5000;
  const forceAfterMs = options.forceAfterMs ?? 5000;
  let draining = false;
  /** @type {Set<import("node:http").ServerResponse>} */
  const open = new Set();
  // Ahead of every request listener, whenever it was added: a request seen while draining may
  // be answered here and then never reaches the app.
  const emit = server.emit.bind(server);
  /** @type {any} */ (server).emit = (/** @type {string} */ event, /** @type {any[]} */ ...args) => {
    if (event !== "request") return emit(event, ...args);
    const [req, res] = args;
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
  };
  return {
    drain: () =>
      new Promise((resolve) => {
        draining = true;
        for (const res of open) if (!res.headersSent) res.setHeader("connection", "close");
        /** @type {NodeJS.Timeout | undefined} */
        let force;
        setTimeout(() => {
          // http.Server#close also closes the idle connections (Node 19+).
          server.close(() => {
            clearTimeout(force);
            resolve(undefined);
          });
          force = setTimeout(() => server.closeAllConnections(), forceAfterMs);
        }, idleGraceMs);
      }),
  };
}
