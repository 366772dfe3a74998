/**
 * The API of the portal's server (services/frontend). Every route needs the operator token: the
 * browser never calls these, the portal does, after checking its own session cookie.
 */
import { Router, type Request } from "express";
import type { Deps } from "../../business-logic/deps.ts";
import { notFound } from "../../business-logic/errors.ts";
import {
  consumeMagicLink,
  getClientProject,
  listClientProjects,
  parseEmail,
  readRunFile,
  requestMagicLink,
  signInLimits,
} from "../../business-logic/portal-auth.ts";
import { jsonBody, requireOperator } from "./middleware.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function uuidParam(req: Request, name: string, what: string): string {
  const value = req.params[name];
  if (typeof value !== "string" || !UUID.test(value)) throw notFound(what);
  return value;
}

/** `?email=` scopes a read to that client's projects; without it the operator reads any project. */
const ownerEmail = (req: Request) =>
  req.query.email === undefined ? undefined : parseEmail(req.query.email);

export function portalRoutes(deps: Deps): Router {
  const { pool, config } = deps;
  const router = Router();
  const auth = requireOperator(config.adminToken);
  const json = jsonBody(config.bodyLimitBytes);
  const limits = signInLimits(deps);

  router.post("/v1/portal/magic-links", auth, ...json, async (req, res) => {
    res.status(202).json(await requestMagicLink(deps, req.body, limits));
  });

  router.post("/v1/portal/sessions", auth, ...json, async (req, res) => {
    res.set("cache-control", "no-store").json(await consumeMagicLink(pool, req.body));
  });

  router.get("/v1/portal/projects", auth, async (req, res) => {
    res
      .set("cache-control", "no-store")
      .json({ projects: await listClientProjects(pool, parseEmail(req.query.email)) });
  });

  router.get("/v1/portal/projects/:projectId", auth, async (req, res) => {
    const projectId = uuidParam(req, "projectId", "The project");
    res.set("cache-control", "no-store").json(await getClientProject(pool, projectId, ownerEmail(req)));
  });

  // The portal checked ownership before handing out a link to these files.
  router.get("/v1/portal/runs/:runId/files/*name", auth, async (req, res) => {
    const runId = uuidParam(req, "runId", "The run");
    const name = (req.params as unknown as { name: string[] }).name.join("/");
    const file = await readRunFile(deps, runId, name);
    res.set({ "content-type": file.contentType, "cache-control": "private, max-age=60" }).send(file.body);
  });

  return router;
}
