/**
 * Content distribution (called by the n8n content flow with the operator token) and the public
 * unsubscribe. Handlers stay thin; the work is in business-logic (content, posting, newsletter,
 * subscriptions).
 */
import express, { Router, type Request } from "express";
import type { Platform } from "../../business-logic/content-adaptation.ts";
import { parsePublishEvent, parseScheduleOptions } from "../../business-logic/content-parsing.ts";
import { publishContent } from "../../business-logic/content.ts";
import { sendNewsletter } from "../../business-logic/newsletter.ts";
import { dispatchDuePosts, type PostingAdapter } from "../../business-logic/posting.ts";
import { unsubscribe } from "../../business-logic/subscriptions.ts";
import { getContent } from "../../data-access/content.ts";
import type { Deps } from "../../business-logic/deps.ts";
import { keysOf } from "../../business-logic/keys.ts";
import { parseMediaOptions, resolvePost } from "../../business-logic/posting.ts";
import { postingAdapters } from "../../data-access/posting/index.ts";
import { HttpError, notFound } from "../../business-logic/errors.ts";
import { jsonBody, refuseUnstorableBody, requireOperator } from "./middleware.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A published article is larger than an intake; a megabyte holds any real one. */
const CONTENT_BODY_LIMIT = 1024 * 1024;

function contentId(req: Request): string {
  const value = req.params.contentId;
  if (typeof value !== "string" || !UUID.test(value)) throw notFound("The content piece");
  return value;
}

export function contentRoutes(
  deps: Deps,
  adapters: Partial<Record<Platform, PostingAdapter>> = postingAdapters(deps),
): Router {
  const { pool, config } = deps;
  const router = Router();
  const auth = requireOperator(config.adminToken);

  // The CMS publish event as the flow received it, plus optional `platforms`, `start_at`, `offsets_minutes`.
  router.post(
    "/v1/content",
    auth,
    ...jsonBody(Math.max(config.bodyLimitBytes, CONTENT_BODY_LIMIT)),
    async (req, res) => {
      const piece = parsePublishEvent(req.body);
      const options = parseScheduleOptions(req.body);
      const media = await parseMediaOptions(pool, req.body);
      const { contentId: id, created } = await publishContent(pool, piece, options, media);
      res
        .status(created ? 201 : 200)
        .location(`/v1/content/${id}`)
        .json({ ...(await getContent(pool, id)), created });
    },
  );

  router.get("/v1/content/:contentId", auth, async (req, res) => {
    const content = await getContent(pool, contentId(req));
    if (!content) throw notFound("The content piece");
    res.json(content);
  });

  router.post("/v1/content/:contentId/newsletter/send", auth, async (req, res) => {
    res.json(await sendNewsletter(deps, contentId(req)));
  });

  // Posts whatever is due; the content flow calls it on its schedule.
  router.post("/v1/content/posts/dispatch", auth, async (_req, res) => {
    res.json(await dispatchDuePosts(deps, adapters));
  });

  // An operator's answer for a post whose earlier attempt may have reached the platform.
  router.post("/v1/content/posts/:postId/resolve", auth, ...jsonBody(4096), async (req, res) => {
    const postId = req.params.postId;
    if (typeof postId !== "string" || !UUID.test(postId)) throw notFound("The post");
    res.json(await resolvePost(pool, postId, req.body));
  });

  // Public: the portal's unsubscribe page posts JSON; mail clients' one-click unsubscribe
  // (RFC 8058) posts a form to the link with ?token=.
  router.post(
    "/v1/unsubscribe",
    express.json({ limit: 4096 }),
    express.urlencoded({ extended: false, limit: 4096 }),
    refuseUnstorableBody,
    async (req, res) => {
      const body = (typeof req.body === "object" && req.body ? req.body : {}) as Record<string, unknown>;
      const token = body.token ?? req.query.token;
      const projectId = body.project_id ?? req.query.project;
      if (Array.isArray(token) || Array.isArray(projectId)) {
        throw new HttpError(422, "invalid_request", "Give one token or one project_id.", [
          { field: "token", message: "must be given once" },
        ]);
      }
      const result = await unsubscribe(
        pool,
        keysOf(config).verifying("unsubscribe"),
        token !== undefined ? { token } : { project_id: projectId },
      );
      res.set("cache-control", "no-store").json(result);
    },
  );

  return router;
}
