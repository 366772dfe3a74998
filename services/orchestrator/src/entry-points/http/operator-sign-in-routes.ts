/**
 * The ops console's sign-in state, for the portal's server only (the operator token, like the
 * rest of /v1/portal): attempts are counted here before the portal checks a password, and
 * operator sessions are rows here, so every portal process shares them (docs/decisions.md).
 */
import { Router, type Request } from "express";
import type { Deps } from "../../business-logic/deps.ts";
import { HttpError, notFound } from "../../business-logic/errors.ts";
import { operatorSignIn } from "../../business-logic/operator-sign-in.ts";
import { jsonBody, requireOperator } from "./middleware.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function sessionId(req: Request): string {
  const value = req.params.sessionId;
  if (typeof value !== "string" || !UUID.test(value)) throw notFound("The session");
  return value;
}

export function operatorSignInRoutes(deps: Deps): Router {
  const router = Router();
  const auth = requireOperator(deps.config.adminToken);
  const json = jsonBody(deps.config.bodyLimitBytes);
  const signIn = operatorSignIn(deps);

  router.post("/v1/portal/operator-sign-ins", auth, ...json, async (req, res) => {
    const verdict = await signIn.attempt(req.body);
    if (!verdict.allowed) {
      res.set("retry-after", String(Math.ceil(verdict.retryAfterMs / 1000)));
      throw new HttpError(429, "too_many_attempts", "Too many sign-in attempts; try again later.");
    }
    res.set("cache-control", "no-store").json({ allowed: true });
  });

  router.post("/v1/portal/operator-sessions", auth, ...json, async (req, res) => {
    res
      .status(201)
      .set("cache-control", "no-store")
      .json(await signIn.openSession(req.body));
  });

  router.get("/v1/portal/operator-sessions/:sessionId", auth, async (req, res) => {
    const session = await signIn.session(sessionId(req));
    if (!session) throw notFound("The session");
    res.set("cache-control", "no-store").json(session);
  });

  router.delete("/v1/portal/operator-sessions/:sessionId", auth, async (req, res) => {
    await signIn.revoke(sessionId(req));
    res.status(204).end();
  });

  return router;
}
