/**
 * Receipts of signed webhooks (a replay is refused) and of Alertmanager notifications.
 */
import type { Queryable } from "./database.ts";

/** False when this signature was seen before: the webhook is a replay. */
export async function recordWebhook(
  db: Queryable,
  signature: string,
  source: string,
  event: string,
  payload: unknown,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO webhook_receipts (signature, source, event, payload) VALUES ($1, $2, $3, $4)
     ON CONFLICT (signature) DO NOTHING`,
    [signature, source, event, JSON.stringify(payload)],
  );
  return rowCount === 1;
}

export async function recordAlertNotification(
  db: Queryable,
  groupKey: string,
  status: string,
  alerts: unknown[],
): Promise<void> {
  await db.query("INSERT INTO alert_notifications (group_key, status, alerts) VALUES ($1, $2, $3)", [
    groupKey,
    status,
    JSON.stringify(alerts),
  ]);
}
