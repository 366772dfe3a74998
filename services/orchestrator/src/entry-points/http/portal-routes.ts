/**
 * The API of the portal's server (services/frontend). Every route needs the portal's token (or
 * the operator's): the browser never calls these, the portal does, after checking its own session
 * cookie. The portal token reaches these routes and nothing else.
 */
import { Router, type Request, type Response } from "express";
import type { Deps } from "../../business-logic/deps.ts";
import { HttpError, notFound } from "../../business-logic/errors.ts";
import {
  consumeMagicLink,
  getClientProject,
  listClientProjects,
  parseEmail,
  readRunFile,
  requestMagicLink,
  signInLimits,
} from "../../business-logic/portal-auth.ts";
import { jsonBody, requirePortal } from "./middleware.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function uuidParam(req: Request, name: string, what: string): string {
  const value = req.params[name];
  if (typeof value !== "string" || !UUID.test(value)) throw notFound(what);
  return value;
}

/**
 * A stored artifact's name (`prototype/index.html`): plain segments only. Dot segments, empty
 * segments and separators inside a segment never name a file of the run.
 */
function fileName(segments: string[]): string {
  const bad = segments.some((s) => s === "" || s === "." || s === ".." || /[/\\\0]/.test(s));
  if (bad || segments.length === 0) {
    throw new HttpError(400, "invalid_request", "A file name is made of plain path segments.", [
      { field: "name", message: "must not contain empty, '.' or '..' segments, slashes or NUL" },
    ]);
  }
  return segments.join("/");
}

/**
 * `?email=` scopes a read to that client's projects. Only the operator token reads without it:
 * the portal token acts for one client at a time and must say which.
 */
function ownerEmail(req: Request, res: Response): string | undefined {
  if (req.query.email === undefined && res.locals.caller === "operator") return undefined;
  return parseEmail(req.query.email);
}

export function portalRoutes(deps: Deps): Router {
  const { pool, config } = deps;
  const router = Router();
  const auth = requirePortal(config);
  const json = jsonBody(config.bodyLimitBytes);
  const limits = signInLimits(deps);

  router.post("/v1/portal/magic-links", auth, ...json, async (req, res) => {
    res.status(202).json(await requestMagicLink(deps, req.body, limits));
  });

  router.post("/v1/portal/sessions", auth, ...json, async (req, res) => {
    res.set("cache-control", "no-store").json(await consumeMagicLink(pool, req.body, deps.portalSignIn));
  });

  router.get("/v1/portal/projects", auth, async (req, res) => {
    res
      .set("cache-control", "no-store")
      .json({ projects: await listClientProjects(pool, parseEmail(req.query.email)) });
  });

  router.get("/v1/portal/projects/:projectId", auth, async (req, res) => {
    const projectId = uuidParam(req, "projectId", "The project");
    res.set("cache-control", "no-store").json(await getClientProject(pool, projectId, ownerEmail(req, res)));
  });

  // The portal checked ownership before handing out a link to these files.
  router.get("/v1/portal/runs/:runId/files/*name", auth, async (req, res) => {
    const runId = uuidParam(req, "runId", "The run");
    const name = fileName((req.params as unknown as { name: string[] }).name);
    const file = await readRunFile(deps, runId, name, ownerEmail(req, res));
    res.set({ "content-type": file.contentType, "cache-control": "private, max-age=60" }).send(file.body);
  });

  return router;
}
