/**
 * Campaign emails. Drafted copy carries no URLs; the renderer adds the only links an email may
 * hold (the project's portal pages, the booking link, unsubscribe), and `disallowedLinks` checks
 * the result, so a hostile intake cannot smuggle a link or a script into a lead's inbox.
 */
import { OFFLINE_NOTICE } from "../artifacts.ts";
import type { CampaignEmail, ProjectContext } from "../contracts.ts";
import type { CampaignCopy, LinkTarget } from "../schemas.ts";
import { defangUrls, escapeXml } from "./escape.ts";

export interface CampaignLinks extends Record<LinkTarget, string> {
  unsubscribe: string;
}

function baseUrl(value: string, field: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`context.${field} must be an absolute http(s) URL, got "${value}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`context.${field} must use http or https, got "${url.protocol}"`);
  }
  return url;
}

/** The complete set of URLs a campaign email may contain, derived from the project context. */
export function campaignLinks(context: ProjectContext): CampaignLinks {
  const portal = baseUrl(context.portalUrl, "portalUrl").href.replace(/\/+$/, "");
  const calendar = baseUrl(context.calendarUrl, "calendarUrl").href;
  if (!context.projectId.trim()) throw new Error("context.projectId must not be empty");
  const id = encodeURIComponent(context.projectId);
  return {
    project: `${portal}/portal/projects/${id}`,
    prototype: `${portal}/portal/projects/${id}/prototype`,
    calendar,
    unsubscribe: context.unsubscribeToken
      ? `${portal}/unsubscribe?token=${encodeURIComponent(context.unsubscribeToken)}`
      : `${portal}/unsubscribe?project=${id}`,
  };
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'", apos: "'" };
const decode = (v: string): string =>
  v.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e.startsWith("#x") || e.startsWith("#X")) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith("#")) return e === "#39" ? "'" : String.fromCodePoint(parseInt(e.slice(1), 10));
    return ENTITIES[e.toLowerCase()] ?? m;
  });

const BARE_DOMAIN =
  /\b(?:[a-z0-9-]+\.)+(?:com|net|org|io|example|dev|app|co|xyz|info|biz|me|ly|ru|cn|uk|de|fr|nl|eu|site|online|link|click|top)\b/gi;

/**
 * Every link-like thing in an email body: link and resource attributes, CSS url(), and URLs,
 * scheme-prefixed tokens or bare domains in the text (mail clients auto-link those).
 */
export function findLinks(body: string): string[] {
  const found: string[] = [];
  for (const m of body.matchAll(/\b(?:href|src|action|background|formaction|poster|cite|srcset)\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/gi)) {
    found.push(decode((m[2] ?? m[3] ?? m[4] ?? "").trim()));
  }
  for (const m of body.matchAll(/url\(\s*['"]?([^'")]+)['"]?\s*\)/gi)) found.push(decode(m[1] ?? ""));
  const text = decode(
    body
      .replace(/<[^>]*>/g, " ")
      .replace(/\s+/g, " "),
  );
  for (const m of text.matchAll(/\b(?:https?|ftp|javascript|data|vbscript|file):[^\s<>"']*/gi)) found.push(m[0]);
  const withoutUrls = text.replace(/\b(?:https?|ftp):\/\/[^\s<>"']*/gi, " ");
  for (const m of withoutUrls.matchAll(/\bwww\.[^\s<>"']+/gi)) found.push(m[0]);
  for (const m of withoutUrls.matchAll(BARE_DOMAIN)) found.push(m[0]);
  return found;
}

/** Links in `body` that are not exactly one of `allowed`. Empty means the email is clean. */
export function disallowedLinks(body: string, allowed: readonly string[]): string[] {
  const ok = new Set(allowed);
  const hosts = new Set(allowed.map((a) => new URL(a).hostname.toLowerCase()));
  return findLinks(body).filter((link) => !ok.has(link) && !hosts.has(link.toLowerCase()));
}

/** Intake-derived text as it may appear in an email: no live URLs, then HTML-escaped. */
const safe = (text: string): string => escapeXml(defangUrls(text));

export function renderEmail(copy: CampaignCopy["emails"][number], links: CampaignLinks, offline: boolean): CampaignEmail {
  const href = links[copy.cta.target];
  const notice = offline ? OFFLINE_NOTICE : "";
  const p = (t: string): string =>
    `<p style="margin:0 0 16px;font-size:16px;line-height:1.5;color:#1d2433;">${safe(t)}</p>`;
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${safe(copy.subject)}</title>
</head>
<body style="margin:0;padding:0;background:#f4f5f7;font-family:Helvetica,Arial,sans-serif;">
<span style="display:none;max-height:0;overflow:hidden;opacity:0;color:transparent;">${safe(copy.preheader)}</span>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7;padding:24px 0;">
<tr><td align="center">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="max-width:600px;width:100%;background:#ffffff;border-radius:8px;padding:32px;">
<tr><td>
<h1 style="margin:0 0 20px;font-size:22px;color:#1f2a44;">${safe(copy.heading)}</h1>
${copy.paragraphs.map(p).join("\n")}
<p style="margin:24px 0;"><a href="${escapeXml(href)}" style="display:inline-block;background:#3b5bdb;color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:6px;font-size:16px;">${safe(copy.cta.label)}</a></p>
${notice ? `<p style="margin:24px 0 0;font-size:12px;color:#8a6d3b;">${escapeXml(notice)}</p>` : ""}
</td></tr>
</table>
<p style="font-size:12px;color:#6b7280;margin:16px 0;">You receive this because you sent us a product idea. <a href="${escapeXml(links.unsubscribe)}" style="color:#6b7280;">Unsubscribe</a></p>
</td></tr>
</table>
</body>
</html>
`;
  const text = [
    copy.heading,
    "",
    ...copy.paragraphs.flatMap((t) => [defangUrls(t), ""]),
    `${defangUrls(copy.cta.label)}: ${href}`,
    "",
    ...(notice ? [notice, ""] : []),
    `Unsubscribe: ${links.unsubscribe}`,
    "",
  ].join("\n");
  return { step: copy.step, subject: defangUrls(copy.subject), preheader: defangUrls(copy.preheader), html, text };
}
