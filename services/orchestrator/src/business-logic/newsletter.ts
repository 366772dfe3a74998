/**
 * The newsletter: a published piece's summary sent once to every address among the leads that has
 * not unsubscribed.
 */
import { isUnsubscribed } from "../data-access/campaigns.ts";
import {
  markNewsletterFailed,
  markNewsletterSent,
  newsletterDeliveries,
  newsletterPiece,
} from "../data-access/content.ts";
import { truncate } from "./content-adaptation.ts";
import type { Deps } from "./deps.ts";
import { notFound } from "./errors.ts";
import { keysOf } from "./keys.ts";
import { unsubscribeToken } from "./subscriptions.ts";

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export function renderNewsletter(
  piece: { title: string; url: string; summary: string },
  unsubscribeUrl: string,
): { subject: string; html: string; text: string } {
  const subject = truncate(piece.title.replace(/\s+/g, " "), 150);
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;max-width:560px;margin:0 auto;padding:24px;color:#111827;">
<h1 style="font-size:22px;">${escapeHtml(piece.title)}</h1>
<p style="font-size:16px;line-height:1.5;">${escapeHtml(piece.summary)}</p>
<p><a href="${escapeHtml(piece.url)}" style="color:#2563eb;">Read the full piece</a></p>
<p style="font-size:12px;color:#6b7280;margin-top:32px;">You receive this because you sent us a product idea. <a href="${escapeHtml(unsubscribeUrl)}" style="color:#6b7280;">Unsubscribe</a></p>
</body></html>`;
  const text = `${piece.title}\n\n${piece.summary}\n\nRead the full piece: ${piece.url}\n\nUnsubscribe: ${unsubscribeUrl}\n`;
  return { subject, html, text };
}

/**
 * Sends a piece to every address among the leads that has not unsubscribed, once per address:
 * each delivery has its own row and the mailer's idempotency key, so a repeated call (n8n retrying,
 * an operator clicking twice) only sends what is still missing.
 */
export async function sendNewsletter(
  deps: Pick<Deps, "pool" | "mailer" | "config" | "logger">,
  contentId: string,
): Promise<{
  recipients: number;
  sent: number;
  already_sent: number;
  failed: number;
  skipped_unsubscribed: number;
}> {
  const { pool, config } = deps;
  const piece = await newsletterPiece(pool, contentId);
  if (!piece) throw notFound("The content piece");
  const deliveries = await newsletterDeliveries(pool, contentId);
  const result = {
    recipients: deliveries.length,
    sent: 0,
    already_sent: 0,
    failed: 0,
    skipped_unsubscribed: 0,
  };
  for (const d of deliveries) {
    if (d.status === "sent") {
      result.already_sent++;
      continue;
    }
    // Someone may have unsubscribed since the list was drawn up.
    if (await isUnsubscribed(pool, d.email)) {
      result.skipped_unsubscribed++;
      continue;
    }
    const unsubscribeUrl = `${config.publicPortalUrl}/unsubscribe?token=${unsubscribeToken(keysOf(config).signing("unsubscribe"), d.lead_id)}`;
    const message = renderNewsletter(piece, unsubscribeUrl);
    try {
      const sent = await deps.mailer.send({
        from: config.mailFrom,
        to: d.email,
        ...message,
        idempotencyKey: d.idempotency_key,
        tags: { kind: "newsletter", content: contentId },
      });
      await markNewsletterSent(pool, contentId, d.email, sent);
      if (sent.duplicate) result.already_sent++;
      else result.sent++;
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      await markNewsletterFailed(pool, contentId, d.email, error);
      deps.logger.warn({ contentId, err }, "newsletter delivery failed");
      result.failed++;
    }
  }
  return result;
}
