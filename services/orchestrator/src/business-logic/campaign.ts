/**
 * The three-email warm-up after lead_ready. The orchestrator owns delivery state; the mailer's
 * idempotency key (one per campaign step) makes any retry a no-op, so no email goes out twice.
 * Emails go out either through the built-in scheduler or when the automation flow (n8n) asks
 * for each step.
 */
import { CAMPAIGN_STEPS, type CampaignStep } from "@roboagency/agents/light";
import { mailAddress } from "../config.ts";
import {
  claimCampaignStep,
  claimDueEmails,
  dispatchCampaignLocally,
  markEmailFailed,
  markEmailSent,
  type OutgoingEmail,
} from "../data-access/campaigns.ts";
import type { Deps, RunDeps } from "./deps.ts";
import { HttpError, notFound } from "./errors.ts";
import { signedHeaders } from "./signing.ts";

export const isCampaignStep = (s: string): s is CampaignStep =>
  (CAMPAIGN_STEPS as readonly string[]).includes(s);

/**
 * Sends one claimed email. Whether it may go out was decided by the claim (an email to an address
 * that unsubscribed is suppressed there, never claimed).
 */
export async function deliver(
  deps: Pick<Deps, "pool" | "mailer" | "config" | "metrics" | "logger">,
  email: OutgoingEmail,
): Promise<{ provider: string; messageId: string; duplicate: boolean }> {
  try {
    const sent = await deps.mailer.send({
      from: deps.config.mailFrom,
      to: email.to_email,
      subject: email.subject,
      html: email.html,
      text: email.text_body,
      idempotencyKey: email.idempotency_key,
      tags: { project: email.project_id, step: email.step },
    });
    await markEmailSent(deps.pool, email.id, sent.provider, sent.messageId);
    if (!sent.duplicate) deps.metrics.emailsSent.inc({ step: email.step, provider: sent.provider });
    deps.logger.info(
      { emailId: email.id, step: email.step, provider: sent.provider, duplicate: sent.duplicate },
      "campaign email sent",
    );
    return sent;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await markEmailFailed(deps.pool, email.id, message);
    deps.logger.error({ err, emailId: email.id, step: email.step }, "campaign email failed");
    throw err;
  }
}

/** Sends every email that is due; returns how many were attempted. */
export async function dispatchDueEmails(
  deps: Pick<Deps, "pool" | "mailer" | "config" | "metrics" | "logger">,
) {
  const due = await claimDueEmails(deps.pool, 20);
  for (const email of due) await deliver(deps, email).catch(() => undefined);
  return due.length;
}

/** Polls for due emails until stopped; the stop resolves once the current batch is done. */
export function startEmailScheduler(
  deps: Pick<Deps, "pool" | "mailer" | "config" | "metrics" | "logger">,
  intervalMs = 1000,
): { stop: () => Promise<void> } {
  let stopped = false;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopped) {
      try {
        await dispatchDueEmails(deps);
      } catch (err) {
        deps.logger.error({ err }, "email scheduler tick failed");
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, intervalMs).unref();
      });
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}

/** The automation flow's "send this step now". Answers the stored result for a step already sent. */
export async function sendCampaignStep(deps: Deps, campaignId: string, step: string) {
  if (!isCampaignStep(step)) {
    throw new HttpError(422, "invalid_request", `Unknown campaign step "${step}".`, [
      { field: "step", message: `must be one of: ${CAMPAIGN_STEPS.join(", ")}` },
    ]);
  }
  const { email, status, suppressedNow } = await claimCampaignStep(deps.pool, campaignId, step);
  if (!email) {
    if (status === null) throw notFound("The campaign email");
    if (status === "sending") {
      throw new HttpError(409, "send_in_progress", "This email is being sent right now; ask again shortly.");
    }
    if (suppressedNow) {
      deps.logger.info({ campaignId, step }, "campaign email suppressed: recipient unsubscribed");
    }
    return { step, status, duplicate: !suppressedNow };
  }
  const sent = await deliver(deps, email);
  return {
    step,
    status: "sent",
    provider: sent.provider,
    message_id: sent.messageId,
    duplicate: sent.duplicate,
  };
}

/**
 * lead_ready: every artifact is stored. With an automation webhook configured, n8n takes over the
 * timing; when it cannot be reached after a few tries, the built-in scheduler sends the emails.
 */
export async function fireLeadReady(
  deps: RunDeps,
  run: { runId: string; projectId: string; campaignId: string; toEmail: string; dispatch: string },
): Promise<void> {
  const { config, logger } = deps;
  logger.info({ runId: run.runId, projectId: run.projectId, dispatch: run.dispatch }, "lead_ready");
  if (run.dispatch !== "automation" || !config.automationWebhookUrl) return;
  const body = JSON.stringify({
    event: "lead_ready",
    project_id: run.projectId,
    run_id: run.runId,
    campaign_id: run.campaignId,
    to_domain: mailAddress(run.toEmail).split("@")[1],
    steps: CAMPAIGN_STEPS,
    delays_seconds: config.campaignDelaysSeconds,
    send_url: `${config.publicApiUrl}/v1/campaigns/${run.campaignId}/emails/{step}/send`,
    project_url: `${config.publicPortalUrl}/portal/projects/${run.projectId}`,
  });
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const res = await fetch(config.automationWebhookUrl, {
        method: "POST",
        // n8n's own secret (AUTOMATION_WEBHOOK_SECRET), checked by the flow as N8N_AGENCY_WEBHOOK_SECRET.
        headers: signedHeaders(config.automationWebhookSecret!, body),
        body,
        signal: AbortSignal.timeout(10_000),
      });
      if (res.ok) return;
      throw new Error(`automation webhook answered ${res.status}`);
    } catch (err) {
      logger.warn({ err, attempt }, "lead_ready webhook failed");
      if (attempt < 3) await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
    }
  }
  await dispatchCampaignLocally(deps.pool, run.campaignId);
  logger.error(
    { campaignId: run.campaignId },
    "automation webhook unreachable; the built-in scheduler sends this campaign",
  );
}
