/**
 * The CMS publish event (an MDX file or a Wagtail page) as a `ContentPiece`: front matter read with
 * the `yaml` package, HTML and MDX reduced to text, and the optional scheduling fields; validated
 * by the contracts' schemas.
 */
import { parse as parseYaml } from "yaml";
import {
  httpUrlOf,
  parse,
  publishRequest,
  publishSourceOf,
  scheduleOptions,
  type PublishRequest,
} from "@roboagency/contracts";
import type { z } from "zod";
import type { ContentPiece, Platform } from "./content-adaptation.ts";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() ? v.trim() : undefined);

/** A date the schema accepted (or nothing), as a Date; `fallback` when not given. */
function dateOr(value: unknown, fallback: Date): Date {
  return value === undefined || value === null || value === "" ? fallback : new Date(String(value));
}

function tagList(value: unknown): string[] {
  const items = Array.isArray(value) ? value : typeof value === "string" ? value.split(",") : [];
  return items
    .map((t) => (isObject(t) ? (str(t.name) ?? "") : String(t)).trim())
    .filter((t) => t.length > 0 && t.length <= 60);
}

/** The `---`-fenced YAML head of an MDX file, and the rest of the file. */
function frontmatterBlock(mdx: string): { yaml?: string; rest: string } {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(mdx);
  return m ? { yaml: m[1]!, rest: mdx.slice(m[0].length) } : { rest: mdx };
}

/**
 * The front matter's keys. YAML's failsafe schema keeps every scalar as the text the author wrote
 * (a title "2026" or "1.50", a date as written); invalid YAML is reported on `content`.
 */
function frontmatterOf(mdx: string): { data: Json; error?: string } {
  const { yaml } = frontmatterBlock(mdx);
  if (yaml === undefined) return { data: {} };
  try {
    const data: unknown = parseYaml(yaml, { schema: "failsafe" });
    return { data: isObject(data) ? data : {} };
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).split("\n")[0];
    return { data: {}, error: `has front matter that is not valid YAML (${reason})` };
  }
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };
function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (/^#x/i.test(e)) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith("#")) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

/** HTML to text, keeping block boundaries as sentence breaks. */
export function htmlToText(html: string): string {
  return decodeEntities(
    html
      .replace(/<(script|style)[\s\S]*?<\/\1>/gi, " ")
      .replace(/<\/(p|div|h[1-6]|li|blockquote|section|article)>|<br\s*\/?>/gi, ".\n")
      .replace(/<[^>]+>/g, " "),
  )
    .replace(/\.(\s*\.)+/g, ".")
    .replace(/[ \t]+/g, " ")
    .trim();
}

/** MDX to text: no frontmatter, imports, exports, JSX, code, or Markdown syntax. */
export function mdxToText(mdx: string): string {
  const { rest } = frontmatterBlock(mdx);
  const lines: string[] = [];
  let inFence = false;
  for (const line of rest.split(/\r?\n/)) {
    if (/^\s*(```|~~~)/.test(line)) {
      inFence = !inFence;
      continue;
    }
    if (inFence || /^\s*(import|export)\s/.test(line)) continue;
    let l = line
      .replace(/<[A-Z][\w.]*[^>]*\/>/g, " ") // self-closing components
      .replace(/<\/?[A-Za-z][^>]*>/g, " ") // component and HTML tags (their text stays)
      .replace(/\{[^}]*\}/g, " ") // JSX expressions
      .replace(/!\[[^\]]*\]\([^)]*\)/g, " ") // images
      .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1") // links keep their text
      .replace(/`([^`]+)`/g, "$1")
      .replace(/(\*\*|__|\*|_|~~)(?=\S)([\s\S]*?\S)\1/g, "$2")
      .replace(/^\s{0,3}>\s?/, "")
      .replace(/^\s*([-*+]|\d+\.)\s+/, "")
      .trim();
    const heading = /^#{1,6}\s+(.*)$/.exec(l);
    if (heading) l = `${heading[1]!.replace(/[.:!?]?$/, ".")}`;
    if (/^(-{3,}|\*{3,}|_{3,})$/.test(l)) l = "";
    lines.push(l);
  }
  // Blank lines end paragraphs; a paragraph that ends without punctuation still ends a sentence.
  return decodeEntities(
    lines
      .join("\n")
      .split(/\n\s*\n/)
      .map((p) => p.replace(/\s*\n\s*/g, " ").trim())
      .filter(Boolean)
      .map((p) => (/[.!?:;]$/.test(p) ? p : `${p}.`))
      .join("\n\n"),
  );
}

/** Wagtail's StreamField (a list of blocks) or a rich-text HTML string, as text. */
function wagtailBodyText(body: unknown): string {
  if (typeof body === "string") return htmlToText(body);
  if (!Array.isArray(body)) return "";
  const parts: string[] = [];
  const walk = (value: unknown, type?: string) => {
    if (typeof value === "string") {
      if (type && /image|embed|video|document|url|link/i.test(type)) return;
      const text = htmlToText(value);
      if (text) parts.push(/[.!?:;]$/.test(text) ? text : `${text}.`);
    } else if (Array.isArray(value)) {
      for (const v of value) walk(v, type);
    } else if (isObject(value)) {
      if ("type" in value && "value" in value) walk(value.value, String(value.type));
      else for (const [k, v] of Object.entries(value)) walk(v, k);
    }
  };
  walk(body);
  return parts.join("\n\n");
}

/**
 * What a publish event must hold beyond its fields' types (the contracts' `publishRequest`): the
 * fields each CMS must send, wherever it sends them (an MDX title may sit in the front matter at
 * the head of its content), and text once the markup is removed. A refinement of the same schema,
 * run even when a field already failed, so one 422 names every bad field.
 */
function requirePublished(body: Json, ctx: z.RefinementCtx): void {
  const issue = (path: string[], message: string) => ctx.addIssue({ code: "custom", path, message });
  // A value of the wrong type is already named by its field's schema.
  const absentOr = (v: unknown) => v === undefined || typeof v === "string";
  const checkDate = (value: unknown, path: string[]) => {
    if (value === undefined || value === null || value === "") return;
    if (Number.isNaN(new Date(String(value)).getTime())) issue(path, "must be an ISO 8601 date");
  };
  const source = publishSourceOf(body);
  if (source === "mdx") {
    const content = typeof body.content === "string" ? body.content : "";
    if (!content.trim() && absentOr(body.content)) issue(["content"], "must be the MDX source of the piece");
    const head = frontmatterOf(content);
    if (head.error) issue(["content"], head.error);
    const fm = { ...head.data, ...(isObject(body.frontmatter) ? body.frontmatter : {}) };
    if (!(str(body.slug) ?? str(fm.slug)) && absentOr(body.slug)) issue(["slug"], "is required");
    if (!str(fm.title)) issue(["frontmatter", "title"], "is required");
    if (!httpUrlOf(body.url ?? fm.url)) issue(["url"], "must be an absolute http(s) URL");
    checkDate(fm.date ?? body.published_at, ["frontmatter", "date"]);
    if (content.trim() && !mdxToText(content)) issue(["content"], "has no text once markup is removed");
  } else if (source === "wagtail") {
    if (!isObject(body.page)) {
      issue(["page"], "must be the Wagtail page object (API v2 shape)");
      return;
    }
    const page = body.page;
    const meta = isObject(page.meta) ? page.meta : {};
    if (!(typeof page.id === "number" || str(page.id))) issue(["page", "id"], "is required");
    if (!str(page.title)) issue(["page", "title"], "is required");
    if (!httpUrlOf(meta.html_url ?? page.url))
      issue(["page", "meta", "html_url"], "must be an absolute http(s) URL");
    checkDate(meta.first_published_at ?? meta.last_published_at, ["page", "meta", "first_published_at"]);
    if (!wagtailBodyText(page.body))
      issue(["page", "body"], "must hold the page's text (StreamField or HTML)");
  } else {
    issue(["source"], 'must be "mdx" or "wagtail" (or send `content` for MDX, `page` for Wagtail)');
  }
}

/**
 * The CMS publish event, in either shape:
 * - MDX: `{ source: "mdx", slug, url, content, frontmatter?: { title, description?, tags?, date? } }`
 *   (frontmatter may instead be the head of `content`);
 * - Wagtail (API v2 page): `{ source: "wagtail", page: { id, title, meta: { slug, html_url,
 *   first_published_at, search_description }, body, tags? } }`.
 */
export const publishEvent = publishRequest.superRefine(requirePublished, {
  when: (payload) => isObject(payload.value),
});

export function parsePublishEvent(input: unknown, now = new Date()): ContentPiece {
  return pieceOf(parse(publishEvent, input, "publish event"), now);
}

/** The piece a valid publish event describes. */
export function pieceOf(input: PublishRequest, now = new Date()): ContentPiece {
  if (publishSourceOf(input) === "mdx") {
    const content = input.content ?? "";
    const fm: Json = { ...frontmatterOf(content).data, ...(input.frontmatter ?? {}) };
    return {
      source: "mdx",
      externalId: (str(input.slug) ?? str(fm.slug))!,
      title: str(fm.title)!,
      url: httpUrlOf(input.url ?? fm.url)!,
      text: mdxToText(content),
      tags: tagList(fm.tags ?? fm.keywords),
      description: str(fm.description),
      publishedAt: dateOr(fm.date ?? input.published_at, now),
    };
  }
  const page = input.page as Json;
  const meta = (isObject(page.meta) ? page.meta : {}) as Json;
  return {
    source: "wagtail",
    externalId: String(page.id),
    title: str(page.title)!,
    url: httpUrlOf(meta.html_url ?? page.url)!,
    text: wagtailBodyText(page.body),
    tags: tagList(page.tags ?? meta.tags),
    description: str(meta.search_description),
    publishedAt: dateOr(meta.first_published_at ?? meta.last_published_at, now),
  };
}

/** The optional scheduling fields of a publish request: `platforms`, `start_at`, `offsets_minutes`. */
export function parseScheduleOptions(input: unknown, now = new Date()) {
  return scheduleOf(parse(scheduleOptions, isObject(input) ? input : {}, "publish event"), now);
}

export function scheduleOf(body: z.output<typeof scheduleOptions>, now = new Date()) {
  return {
    platforms: body.platforms,
    start: dateOr(body.start_at, now),
    offsetsMinutes: body.offsets_minutes as Partial<Record<Platform, number>> | undefined,
  };
}
