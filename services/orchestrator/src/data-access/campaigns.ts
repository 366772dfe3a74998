/**
 * A run's warm-up campaign and its emails: scheduling, claiming for sending, delivery state, and
 * the unsubscribes that suppress what is not yet sent.
 */
import type pg from "pg";
import type { CampaignStep } from "@roboagency/agents/light";
import { withTransaction, type Queryable } from "./database.ts";

export async function listProjectEmails(db: Queryable, projectId: string) {
  const { rows } = await db.query(
    `SELECT id, campaign_id, step, position, to_email, subject, preheader, status, dispatch,
            send_after, sent_at, provider, provider_message_id, error, created_at, updated_at
     FROM campaign_emails WHERE project_id = $1 ORDER BY created_at, position`,
    [projectId],
  );
  return rows;
}

export interface CampaignEmailRecord {
  step: CampaignStep;
  position: number;
  subject: string;
  preheader: string;
  html: string;
  text: string;
  sendAfter: Date;
}

/**
 * The campaign of a run with its emails. Idempotent per run: a resumed run keeps the
 * delivery state of the first one, so no email is scheduled twice.
 */
export async function insertCampaign(
  db: Queryable,
  input: {
    projectId: string;
    runId: string;
    toEmail: string;
    dispatch: "scheduler" | "automation";
    emails: CampaignEmailRecord[];
  },
): Promise<{ campaignId: string; created: boolean }> {
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO campaigns (project_id, run_id) VALUES ($1, $2)
     ON CONFLICT (run_id) DO NOTHING RETURNING id`,
    [input.projectId, input.runId],
  );
  if (!inserted.rows[0]) {
    const existing = await db.query<{ id: string }>("SELECT id FROM campaigns WHERE run_id = $1", [
      input.runId,
    ]);
    return { campaignId: existing.rows[0]!.id, created: false };
  }
  const campaignId = inserted.rows[0].id;
  for (const e of input.emails) {
    await db.query(
      `INSERT INTO campaign_emails (campaign_id, project_id, step, position, to_email, subject, preheader,
                                    html, text_body, send_after, dispatch, idempotency_key, status, error)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
              CASE WHEN ${UNSUBSCRIBED} THEN 'suppressed' ELSE 'scheduled' END,
              CASE WHEN ${UNSUBSCRIBED} THEN '${SUPPRESSED_REASON}' END
       FROM (SELECT $5::text AS to_email) e`,
      [
        campaignId,
        input.projectId,
        e.step,
        e.position,
        input.toEmail,
        e.subject,
        e.preheader,
        e.html,
        e.text,
        e.sendAfter,
        input.dispatch,
        `campaign-${campaignId}-${e.step}`,
      ],
    );
  }
  return { campaignId, created: true };
}

export interface OutgoingEmail {
  id: string;
  campaign_id: string;
  project_id: string;
  step: CampaignStep;
  to_email: string;
  subject: string;
  html: string;
  text_body: string;
  idempotency_key: string;
}

const OUTGOING = "id, campaign_id, project_id, step, to_email, subject, html, text_body, idempotency_key";

/** Why a suppressed email was not sent. */
const SUPPRESSED_REASON = "recipient unsubscribed";

/** True, inside a statement over `campaign_emails e`, when e's recipient asked for no more email. */
const UNSUBSCRIBED = `EXISTS (SELECT 1 FROM leads u WHERE lower(u.email) = lower(e.to_email) AND u.unsubscribed_at IS NOT NULL)`;

/**
 * The claim decides, under the row lock, whether an email goes out: an email whose recipient has
 * unsubscribed becomes `suppressed` in the same statement and is not returned. An unsubscribe
 * (see `unsubscribeAddress`) suppresses the claimable rows under the same locks, so the two are
 * ordered by Postgres: an email is either claimed for sending before the unsubscribe, or
 * suppressed; it is never left `sending` for an address that unsubscribed first.
 */
const CLAIM_SET = `status = CASE WHEN ${UNSUBSCRIBED} THEN 'suppressed' ELSE 'sending' END,
       error = CASE WHEN ${UNSUBSCRIBED} THEN '${SUPPRESSED_REASON}' ELSE e.error END,
       updated_at = now()`;

const OUTGOING_E = OUTGOING.split(", ")
  .map((c) => `e.${c}`)
  .join(", ");

/**
 * Claims due emails for sending. `sending` rows older than the lease are claimed again: the
 * mailer's idempotency key makes the second attempt a no-op if the first one did go out.
 */
export async function claimDueEmails(
  db: Queryable,
  limit: number,
  leaseSeconds = 120,
): Promise<OutgoingEmail[]> {
  const { rows } = await db.query<OutgoingEmail & { status: string }>(
    `UPDATE campaign_emails e SET ${CLAIM_SET}
     WHERE e.id IN (
       SELECT id FROM campaign_emails
       WHERE dispatch = 'scheduler' AND send_after <= now()
         AND (status = 'scheduled' OR (status = 'sending' AND updated_at < now() - make_interval(secs => $2)))
       ORDER BY send_after LIMIT $1 FOR UPDATE SKIP LOCKED)
     RETURNING e.status, ${OUTGOING_E}`,
    [limit, leaseSeconds],
  );
  await refreshCampaignStatus(db, [
    ...new Set(rows.filter((r) => r.status === "suppressed").map((r) => r.campaign_id)),
  ]);
  return rows.filter((r) => r.status === "sending").map(({ status: _status, ...email }) => email);
}

/** Claims one step of a campaign for an explicit send (the automation flow asks for it). */
export async function claimCampaignStep(
  db: Queryable,
  campaignId: string,
  step: CampaignStep,
): Promise<{ email: OutgoingEmail | null; status: string | null; suppressedNow?: boolean }> {
  const claimed = await db.query<OutgoingEmail & { status: string }>(
    `UPDATE campaign_emails e SET ${CLAIM_SET}
     WHERE e.campaign_id = $1 AND e.step = $2 AND e.status IN ('scheduled', 'failed')
     RETURNING e.status, ${OUTGOING_E}`,
    [campaignId, step],
  );
  const row = claimed.rows[0];
  if (row?.status === "sending") {
    const { status: _status, ...email } = row;
    return { email, status: "sending" };
  }
  if (row) {
    await refreshCampaignStatus(db, [campaignId]);
    return { email: null, status: "suppressed", suppressedNow: true };
  }
  const current = await db.query<{ status: string }>(
    "SELECT status FROM campaign_emails WHERE campaign_id = $1 AND step = $2",
    [campaignId, step],
  );
  return { email: null, status: current.rows[0]?.status ?? null };
}

/** A campaign is completed once none of its emails is still to be sent. */
async function refreshCampaignStatus(db: Queryable, campaignIds: string[]): Promise<void> {
  if (campaignIds.length === 0) return;
  await db.query(
    `UPDATE campaigns c SET status = CASE
       WHEN NOT EXISTS (SELECT 1 FROM campaign_emails e WHERE e.campaign_id = c.id AND e.status NOT IN ('sent', 'suppressed'))
       THEN 'completed' ELSE 'sending' END
     WHERE c.id = ANY($1::uuid[])`,
    [campaignIds],
  );
}

/**
 * Marks every lead with this address unsubscribed and, in the same transaction, suppresses the
 * warm-up emails to it that are not yet claimed for sending. Returns how many were suppressed.
 */
export async function unsubscribeAddress(db: pg.Pool, email: string): Promise<{ suppressed: number }> {
  return withTransaction(db, async (tx) => {
    await tx.query(
      "UPDATE leads SET unsubscribed_at = coalesce(unsubscribed_at, now()) WHERE lower(email) = lower($1)",
      [email],
    );
    const { rows } = await tx.query<{ campaign_id: string }>(
      `UPDATE campaign_emails SET status = 'suppressed', error = '${SUPPRESSED_REASON}', updated_at = now()
       WHERE lower(to_email) = lower($1) AND status IN ('scheduled', 'failed')
       RETURNING campaign_id`,
      [email],
    );
    await refreshCampaignStatus(tx, [...new Set(rows.map((r) => r.campaign_id))]);
    return { suppressed: rows.length };
  });
}

export async function markEmailSent(
  db: Queryable,
  id: string,
  provider: string,
  messageId: string,
): Promise<void> {
  await db.query(
    `UPDATE campaign_emails SET status = 'sent', sent_at = coalesce(sent_at, now()), provider = $2,
            provider_message_id = $3, error = NULL, updated_at = now() WHERE id = $1`,
    [id, provider, messageId],
  );
  await db.query(
    `UPDATE campaigns c SET status = CASE
       WHEN NOT EXISTS (SELECT 1 FROM campaign_emails e WHERE e.campaign_id = c.id AND e.status NOT IN ('sent', 'suppressed'))
       THEN 'completed' ELSE 'sending' END
     WHERE c.id = (SELECT campaign_id FROM campaign_emails WHERE id = $1)`,
    [id],
  );
}

/**
 * A failed send is tried again later with exponential backoff (30 s, 60 s, 120 s, …) until
 * `maxAttempts`, then stays `failed` for an operator to see.
 */
export async function markEmailFailed(
  db: Queryable,
  id: string,
  error: string,
  maxAttempts = 5,
): Promise<void> {
  await db.query(
    `UPDATE campaign_emails SET attempts = attempts + 1, error = $2, updated_at = now(),
            status = CASE WHEN attempts + 1 >= $3 THEN 'failed' ELSE 'scheduled' END,
            send_after = now() + make_interval(secs => 30 * power(2, attempts))
     WHERE id = $1`,
    [id, error, maxAttempts],
  );
}

/** Hands a campaign back to the built-in scheduler (the automation webhook could not be reached). */
export async function dispatchCampaignLocally(db: Queryable, campaignId: string): Promise<void> {
  await db.query(
    "UPDATE campaign_emails SET dispatch = 'scheduler', updated_at = now() WHERE campaign_id = $1 AND status = 'scheduled'",
    [campaignId],
  );
}

/** True when the person with this address asked for no more email. */
export async function isUnsubscribed(db: Queryable, email: string): Promise<boolean> {
  const { rows } = await db.query(
    "SELECT 1 FROM leads WHERE lower(email) = lower($1) AND unsubscribed_at IS NOT NULL LIMIT 1",
    [email],
  );
  return rows.length > 0;
}

export async function leadEmail(db: Queryable, leadId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ email: string }>("SELECT email FROM leads WHERE id = $1", [leadId]);
  return rows[0]?.email;
}

/**
 * The client of a project, and whether its emails carried the old `/unsubscribe?project=<id>`
 * link (the only case in which a bare project id may unsubscribe); null for no such project.
 */
export async function legacyUnsubscribeOf(
  db: Queryable,
  projectId: string,
): Promise<{ email: string; legacy_link: boolean } | null> {
  const { rows } = await db.query<{ email: string; legacy_link: boolean }>(
    `SELECT l.email, EXISTS (SELECT 1 FROM campaign_emails e WHERE e.project_id = p.id
                AND strpos(e.text_body, '/unsubscribe?project=' || p.id::text) > 0) AS legacy_link
       FROM projects p JOIN leads l ON l.id = p.lead_id WHERE p.id = $1`,
    [projectId],
  );
  return rows[0] ?? null;
}
