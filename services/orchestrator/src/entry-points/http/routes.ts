/**
 * The API's routes. Handlers stay thin: they parse, call business logic and shape the answer.
 */
import {
  alertmanagerRequest,
  idempotencyKey as idempotencyKeySchema,
  pageQuery,
  parse,
  runsQuery,
  workflowRequest,
} from "@roboagency/contracts";
import { Router, type Request, type Response } from "express";
import { z } from "zod";
import { listSectors } from "@roboagency/agents/light";
import { verifyLocalAssetUrl } from "../../data-access/assets.ts";
import { listOutbox } from "../../data-access/mailer.ts";
import { listProjectEmails } from "../../data-access/campaigns.ts";
import { getProject, listLeads, type Page } from "../../data-access/leads-projects.ts";
import { getAsset, listRuns, readRun, TERMINAL_RUN_STATES, type RunView } from "../../data-access/runs.ts";
import { recordAlertNotification, recordWebhook } from "../../data-access/webhooks.ts";
import { sendCampaignStep } from "../../business-logic/campaign.ts";
import { parsePublishEvent, parseScheduleOptions } from "../../business-logic/content-parsing.ts";
import { publishContent } from "../../business-logic/content.ts";
import type { Deps } from "../../business-logic/deps.ts";
import { HttpError, notFound } from "../../business-logic/errors.ts";
import { intakeAdmission, parseIntake, submitIntake } from "../../business-logic/intake.ts";
import type { RunEvents } from "../../business-logic/run-events.ts";
import { enqueueRun, startWorkflow } from "../../business-logic/runs.ts";
import { keysOf } from "../../business-logic/keys.ts";
import {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifySignature,
  type Secrets,
} from "../../business-logic/signing.ts";
import { isOperator, jsonBody, requireOperator, requireToken } from "./middleware.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SIGNED_URL_TTL_SECONDS = 300;
const idempotencyHeader = z.object({ "Idempotency-Key": idempotencyKeySchema });

function uuidParam(req: Request, name: string, what: string): string {
  const value = req.params[name];
  if (typeof value !== "string" || !UUID.test(value)) throw notFound(what);
  return value;
}

function page(req: Request): Page {
  return parse(pageQuery, req.query, "query");
}

function idempotencyKeyOf(req: Request): string | undefined {
  return parse(idempotencyHeader, { "Idempotency-Key": req.get("idempotency-key") }, "header")[
    "Idempotency-Key"
  ];
}

export function publicRoutes(deps: Deps, events: RunEvents): Router {
  const { pool, config } = deps;
  const router = Router();
  const json = jsonBody(config.bodyLimitBytes);
  const admitIntake = intakeAdmission(deps.rateLimits, {
    perEmailPerHour: config.intakesPerEmailPerHour,
    perClientPerHour: config.intakesPerClientPerHour,
    perDay: config.intakesPerDay,
  });

  router.get("/v1/sectors", (_req, res) => {
    res.set("cache-control", "public, max-age=300").json({
      sectors: listSectors().map(({ id, name, description }) => ({ id, name, description })),
    });
  });

  router.post("/v1/intake", ...json, async (req, res) => {
    const key = idempotencyKeyOf(req);
    const intake = parseIntake(req.body, config.ideaMaxChars);
    // req.ip is the client's address behind the trusted proxy ("trust proxy" in app.ts).
    const { response, created } = await submitIntake(pool, intake, key, () =>
      admitIntake(intake.email, req.ip),
    );
    res
      .status(202)
      .location(response.status_url)
      .set(created ? {} : { "idempotent-replayed": "true" })
      .json(response);
    // After the answer: the committed run row (status queued) is what makes the intake durable,
    // and the worker's sweep enqueues a queued run the queue never got. The enqueue only starts
    // it sooner, so the client does not wait for the queue's round trip.
    if (created) await enqueueRun(deps, response.run_id);
  });

  // The bodies this process built last, by run and revision: each request still reads the
  // revision, and the body is built again only when it moved. Kept as bytes with their ETag, so
  // an answer writes them as they are: no parse, no stringify, no copy.
  const bodies = new RunBodyCache(500);
  router.get("/v1/runs/:runId", async (req, res) => {
    const runId = uuidParam(req, "runId", "The run");
    const asked = ifNoneMatch(req.get("if-none-match"));
    const cached = bodies.get(runId);
    const run = await readRun(pool, runId, cached ? [...asked.revisions, cached.revision] : asked.revisions);
    if (!run) throw notFound("The run");
    const etag = runEtag(run.revision);
    if (asked.any || asked.revisions.includes(run.revision)) {
      res.writeHead(304, { "cache-control": RUN_CACHE_CONTROL, etag }).end();
      return;
    }
    let body: Buffer;
    if (run.json !== null) {
      body = Buffer.from(run.json);
      bodies.set(runId, { revision: run.revision, body });
    } else if (cached?.revision === run.revision) {
      body = cached.body;
    } else {
      throw new Error(`run ${runId}: revision ${run.revision} came without a body`);
    }
    // Head and body in one write.
    res
      .writeHead(200, {
        "cache-control": RUN_CACHE_CONTROL,
        etag,
        "content-type": "application/json; charset=utf-8",
        "content-length": body.length,
      })
      .end(req.method === "HEAD" ? undefined : body);
  });

  router.get("/v1/runs/:runId/events", async (req, res) => {
    const runId = uuidParam(req, "runId", "The run");
    // The portal's server relays streams for many clients with its token: only the process cap.
    const relay = [config.portalToken, config.previousPortalToken, config.adminToken].some(
      (token) => token !== undefined && isOperator(req, token),
    );
    const admitted = events.admit(req.ip ?? "unknown", relay);
    if (!admitted.ok) {
      res.set("retry-after", String(admitted.retryAfterSeconds));
      throw new HttpError(429, "too_many_streams", admitted.message);
    }
    try {
      const first = await events.current(runId);
      if (!first) throw notFound("The run");
      streamRun(req, res, runId, first, events, admitted.release);
    } catch (err) {
      admitted.release();
      throw err;
    }
  });

  router.get("/v1/assets/local/*key", async (req, res) => {
    if (config.s3 || config.supabase) throw notFound("The asset");
    const key = (req.params as unknown as { key: string[] }).key.join("/");
    const check = verifyLocalAssetUrl(
      key,
      String(req.query.expires ?? ""),
      String(req.query.sig ?? ""),
      keysOf(config).verifying("asset-url"),
    );
    if (!check)
      throw new HttpError(403, "forbidden", "This asset link is invalid or has expired; ask for a new one.");
    const asset = await deps.assets.get(key);
    if (!asset) throw notFound("The asset");
    res.set({
      "content-type": asset.contentType,
      "cache-control": "private, max-age=60",
      "x-content-type-options": "nosniff",
      // Artifacts are the pipeline's output, shown as documents: never with this origin's rights.
      "content-security-policy":
        "sandbox allow-scripts; default-src 'self' 'unsafe-inline' data: blob:; connect-src 'none'",
    });
    res.send(asset.body);
  });

  router.get("/v1/assets/:assetId", async (req, res) => {
    const asset = await getAsset(pool, uuidParam(req, "assetId", "The asset"));
    if (!asset) throw notFound("The asset");
    const url = await deps.assets.signedUrl(asset.storage_key, SIGNED_URL_TTL_SECONDS);
    res.set("cache-control", "no-store").json({
      id: asset.id,
      name: asset.name,
      content_type: asset.content_type,
      url,
      expires_in: SIGNED_URL_TTL_SECONDS,
    });
  });

  return router;
}

/** Private: the id is the capability, so no shared cache keeps it; no-cache: revalidate each time. */
const RUN_CACHE_CONTROL = "private, no-cache";

/** The last body built per run, least recently used dropped first. */
class RunBodyCache {
  private readonly entries = new Map<string, { revision: number; body: Buffer }>();
  constructor(private readonly max: number) {}
  get(runId: string) {
    const entry = this.entries.get(runId);
    if (entry) {
      this.entries.delete(runId);
      this.entries.set(runId, entry);
    }
    return entry;
  }
  set(runId: string, entry: { revision: number; body: Buffer }) {
    this.entries.delete(runId);
    this.entries.set(runId, entry);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }
}

/** The strong ETag of a run's representation at a revision; `v1` names the body's format. */
export const runEtag = (revision: number) => `"v1-${revision}"`;

/** The revisions an If-None-Match names (weak or strong: the comparison is weak), or any for `*`. */
export function ifNoneMatch(header: string | undefined): { revisions: number[]; any: boolean } {
  const revisions: number[] = [];
  let any = false;
  for (const part of (header ?? "").split(",")) {
    const tag = part.trim().replace(/^W\//, "");
    if (tag === "*") any = true;
    const m = /^"v1-(\d{1,15})"$/.exec(tag);
    if (m) revisions.push(Number(m[1]));
  }
  return { revisions, any };
}

/**
 * Server-sent events: the run's full status on every change, then `end` once it is finished.
 * The reads are `RunEvents`' (one per run per notice, shared by every subscriber); a heartbeat
 * comment every `heartbeatSeconds` keeps proxies from timing an idle stream out, and a stream is
 * closed after `maxStreamSeconds` with a `retry` hint, so idle streams end on purpose.
 */
function streamRun(
  req: Request,
  res: Response,
  runId: string,
  first: RunView,
  events: RunEvents,
  release: () => void,
) {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  res.write(`retry: ${events.limits.retrySeconds * 1000}\n\n`);
  let last = "";
  let closed = false;
  // A client that reads slower than the run changes gets the newest state when it catches up,
  // not a backlog of every state in between (each event carries the whole run).
  let backlog: string | undefined;
  res.on("drain", () => {
    if (backlog && !closed) res.write(backlog);
    backlog = undefined;
  });
  const send = (run: RunView, data = JSON.stringify(run)) => {
    if (closed) return;
    if (data !== last) {
      last = data;
      const event = `event: run\ndata: ${data}\n\n`;
      if (res.writableNeedDrain) backlog = event;
      else res.write(event);
    }
    if (TERMINAL_RUN_STATES.includes(run.status)) {
      if (backlog) res.write(backlog);
      backlog = undefined;
      res.write(`event: end\ndata: ${JSON.stringify({ status: run.status })}\n\n`);
      close();
    }
  };
  const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), events.limits.heartbeatSeconds * 1000);
  const lifetime = setTimeout(close, events.limits.maxStreamSeconds * 1000);
  let unsubscribe = () => {};
  function close() {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    clearTimeout(lifetime);
    unsubscribe();
    release();
    res.end();
  }
  req.on("close", close);
  send(first);
  if (!closed) unsubscribe = events.subscribe(runId, (update) => send(update.run, update.data));
}

export function operatorRoutes(deps: Deps): Router {
  const { pool, config } = deps;
  const router = Router();
  const auth = requireOperator(config.adminToken);
  const json = jsonBody(config.bodyLimitBytes);

  router.get("/v1/leads", auth, async (req, res) => {
    const email = typeof req.query.email === "string" ? req.query.email : undefined;
    res.json({ leads: await listLeads(pool, page(req), email) });
  });

  router.get("/v1/runs", auth, async (req, res) => {
    const { status, ...listed } = parse(runsQuery, req.query, "query");
    res.json({ runs: await listRuns(pool, listed, status) });
  });

  router.get("/v1/projects/:projectId", auth, async (req, res) => {
    const project = await getProject(pool, uuidParam(req, "projectId", "The project"));
    if (!project) throw notFound("The project");
    res.json(project);
  });

  router.get("/v1/projects/:projectId/emails", auth, async (req, res) => {
    const projectId = uuidParam(req, "projectId", "The project");
    const project = await getProject(pool, projectId);
    if (!project) throw notFound("The project");
    res.json({ emails: await listProjectEmails(pool, projectId) });
  });

  router.get("/v1/outbox", auth, async (req, res) => {
    const to = typeof req.query.to === "string" ? req.query.to : undefined;
    res.json({
      provider: deps.mailer.provider,
      messages: await listOutbox(pool, { to, limit: page(req).limit }),
    });
  });

  router.post("/v1/workflows/:projectId", auth, ...json, async (req, res) => {
    const projectId = uuidParam(req, "projectId", "The project");
    const { workflow } = parse(workflowRequest, req.body ?? {}, "workflow request");
    const started = await startWorkflow(deps, projectId, workflow);
    res
      .status(202)
      .location(started.status_url)
      .json({ ...started, status: "queued" });
  });

  // The automation flow (n8n) asks for each warm-up email; delivery state stays here.
  router.post("/v1/campaigns/:campaignId/emails/:step/send", auth, async (req, res) => {
    const campaignId = uuidParam(req, "campaignId", "The campaign");
    res.json(await sendCampaignStep(deps, campaignId, String(req.params.step)));
  });

  return router;
}

/**
 * Signed webhooks: internal agent events and content publish events. The signature covers the
 * raw body and a timestamp; a signature already seen is a replay and is refused.
 */
export function webhookRoutes(deps: Deps): Router {
  const { pool, config } = deps;
  const router = Router();
  const json = jsonBody(config.bodyLimitBytes);

  /**
   * Verifies, refuses replays, records the receipt, then hands the event to `act`. `prepare`
   * validates the body first, so a malformed event is a 422 that does not use up its signature.
   * With `eventInPath`, the event named in the URL is part of what is signed.
   */
  const receive = <T>(
    source: string,
    secrets: () => Secrets | undefined,
    eventOf: (req: Request) => string,
    {
      eventInPath = false,
      prepare = async () => undefined as T,
      act = async () => ({}),
    }: {
      eventInPath?: boolean;
      prepare?: (body: unknown) => T | Promise<T>;
      act?: (prepared: T) => Promise<Record<string, unknown>>;
    } = {},
  ) =>
    async function webhook(req: Request, res: Response) {
      const raw = req.rawBody ?? Buffer.alloc(0);
      const signature = req.get(SIGNATURE_HEADER);
      const event = eventOf(req);
      const keys = secrets();
      const check = keys
        ? verifySignature(
            keys,
            { timestamp: req.get(TIMESTAMP_HEADER), signature, scope: eventInPath ? event : undefined },
            raw,
          )
        : ({ ok: false, reason: `${source} webhooks are off until their secret is set` } as const);
      if (!check.ok) throw new HttpError(401, "invalid_signature", `Webhook refused: ${check.reason}.`);
      if (!/^[a-z][a-z0-9_.-]{0,63}$/.test(event)) {
        throw new HttpError(
          422,
          "invalid_request",
          "The event name must be lowercase letters, digits, _ . or -.",
          [{ field: "event", message: "must match ^[a-z][a-z0-9_.-]{0,63}$" }],
        );
      }
      const prepared = await prepare(req.body);
      const fresh = await recordWebhook(pool, signature!, source, event, req.body ?? null);
      if (!fresh) throw new HttpError(401, "replayed", "Webhook refused: this signature was already used.");
      req.log.info({ source, event }, "webhook received");
      res.status(202).json({ received: true, source, event, ...(await act(prepared)) });
    };

  router.post(
    "/v1/webhooks/agent/:event",
    ...json,
    receive(
      "agent",
      () => keysOf(config).verifying("agent-webhook"),
      (req) => String(req.params.event),
      { eventInPath: true },
    ),
  );

  // Alertmanager cannot sign bodies; it authenticates with a token of its own (monitoring/alertmanager).
  const alertmanager = requireToken(
    config.alertmanagerToken,
    "ALERTMANAGER_TOKEN",
    "The Alertmanager webhook",
  );
  router.post("/v1/webhooks/alertmanager", alertmanager, ...json, async (req, res) => {
    const body = parse(alertmanagerRequest, req.body, "Alertmanager notification");
    await recordAlertNotification(pool, body.groupKey, body.status, body.alerts);
    req.log.warn(
      { status: body.status, alerts: body.alerts.length, groupKey: body.groupKey },
      "alert notification",
    );
    res.status(202).json({ received: true });
  });
  // A CMS that signs its publish events posts here directly; the same piece goes through the
  // content pipeline as when the n8n flow forwards it (summary, per-platform posts, schedule).
  router.post(
    "/webhooks/cms/publish",
    ...jsonBody(Math.max(config.bodyLimitBytes, 1024 * 1024)),
    receive(
      "cms",
      () => config.cmsWebhookSecret,
      () => "publish",
      {
        prepare: (body) => ({ piece: parsePublishEvent(body), options: parseScheduleOptions(body) }),
        act: async ({ piece, options }) => {
          const { contentId, created } = await publishContent(pool, piece, options);
          return { content_id: contentId, created };
        },
      },
    ),
  );
  return router;
}
