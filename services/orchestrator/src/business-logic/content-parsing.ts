/**
 * The CMS publish event (an MDX file or a Wagtail page) as a `ContentPiece`: front matter read with
 * the `yaml` package, HTML and MDX reduced to text, and the optional scheduling fields.
 */
import { parse as parseYaml } from "yaml";
import { PLATFORMS, type ContentPiece, type Platform } from "./content-adaptation.ts";
import { HttpError, type FieldError } from "./errors.ts";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() ? v.trim() : undefined);

function invalid(fields: FieldError[]): HttpError {
  return new HttpError(
    422,
    "invalid_request",
    `The publish event is not usable: ${fields.map((f) => `${f.field} ${f.message}`).join("; ")}.`,
    fields,
  );
}

function httpUrl(value: unknown, field: string, errors: FieldError[]): string {
  const raw = str(value);
  try {
    const url = new URL(raw ?? "");
    if (url.protocol === "http:" || url.protocol === "https:") return url.toString();
  } catch {
    // reported below
  }
  errors.push({ field, message: "must be an absolute http(s) URL" });
  return "";
}

function date(value: unknown, field: string, errors: FieldError[], fallback: Date): Date {
  if (value === undefined || value === null || value === "") return fallback;
  const d = new Date(String(value));
  if (Number.isNaN(d.getTime())) {
    errors.push({ field, message: "must be an ISO 8601 date" });
    return fallback;
  }
  return d;
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
function frontmatterOf(mdx: string, errors: FieldError[]): Json {
  const { yaml } = frontmatterBlock(mdx);
  if (yaml === undefined) return {};
  try {
    const data: unknown = parseYaml(yaml, { schema: "failsafe" });
    return isObject(data) ? data : {};
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).split("\n")[0];
    errors.push({ field: "content", message: `has front matter that is not valid YAML (${reason})` });
    return {};
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
 * The CMS publish event, in either shape:
 * - MDX: `{ source: "mdx", slug, url, content, frontmatter?: { title, description?, tags?, date? } }`
 *   (frontmatter may instead be the head of `content`);
 * - Wagtail (API v2 page): `{ source: "wagtail", page: { id, title, meta: { slug, html_url,
 *   first_published_at, search_description }, body, tags? } }`.
 */
export function parsePublishEvent(input: unknown, now = new Date()): ContentPiece {
  if (!isObject(input)) throw invalid([{ field: "body", message: "must be a JSON object" }]);
  const source =
    str(input.source) ?? (isObject(input.page) ? "wagtail" : "content" in input ? "mdx" : undefined);
  const errors: FieldError[] = [];
  if (source === "mdx") {
    const content = typeof input.content === "string" ? input.content : "";
    if (!content.trim()) errors.push({ field: "content", message: "must be the MDX source of the piece" });
    const head = frontmatterOf(content, errors);
    const fm = { ...head, ...(isObject(input.frontmatter) ? input.frontmatter : {}) };
    const slug = str(input.slug) ?? str(fm.slug);
    if (!slug) errors.push({ field: "slug", message: "is required" });
    const title = str(fm.title);
    if (!title) errors.push({ field: "frontmatter.title", message: "is required" });
    const url = httpUrl(input.url ?? fm.url, "url", errors);
    const publishedAt = date(fm.date ?? input.published_at, "frontmatter.date", errors, now);
    const text = content ? mdxToText(content) : "";
    if (content.trim() && !text)
      errors.push({ field: "content", message: "has no text once markup is removed" });
    if (errors.length) throw invalid(errors);
    return {
      source: "mdx",
      externalId: slug!,
      title: title!,
      url,
      text,
      tags: tagList(fm.tags ?? fm.keywords),
      description: str(fm.description),
      publishedAt,
    };
  }
  if (source === "wagtail") {
    const page = isObject(input.page) ? input.page : undefined;
    if (!page) throw invalid([{ field: "page", message: "must be the Wagtail page object (API v2 shape)" }]);
    const meta = isObject(page.meta) ? page.meta : {};
    const id = page.id;
    if (!(typeof id === "number" || (typeof id === "string" && id.trim()))) {
      errors.push({ field: "page.id", message: "is required" });
    }
    const title = str(page.title);
    if (!title) errors.push({ field: "page.title", message: "is required" });
    const url = httpUrl(meta.html_url ?? page.url, "page.meta.html_url", errors);
    const publishedAt = date(
      meta.first_published_at ?? meta.last_published_at,
      "page.meta.first_published_at",
      errors,
      now,
    );
    const text = wagtailBodyText(page.body);
    if (!text)
      errors.push({ field: "page.body", message: "must hold the page's text (StreamField or HTML)" });
    if (errors.length) throw invalid(errors);
    return {
      source: "wagtail",
      externalId: String(id),
      title: title!,
      url,
      text,
      tags: tagList(page.tags ?? meta.tags),
      description: str(meta.search_description),
      publishedAt,
    };
  }
  throw invalid([
    {
      field: "source",
      message: 'must be "mdx" or "wagtail" (or send `content` for MDX, `page` for Wagtail)',
    },
  ]);
}

/** The optional scheduling fields of a publish request: `platforms`, `start_at`, `offsets_minutes`. */
export function parseScheduleOptions(input: unknown, now = new Date()) {
  const body = isObject(input) ? input : {};
  const errors: FieldError[] = [];
  let platforms: Platform[] | undefined;
  if (body.platforms !== undefined) {
    if (
      !Array.isArray(body.platforms) ||
      body.platforms.length === 0 ||
      body.platforms.some((p) => !(PLATFORMS as readonly unknown[]).includes(p))
    ) {
      errors.push({ field: "platforms", message: `must be a non-empty list of: ${PLATFORMS.join(", ")}` });
    } else platforms = [...new Set(body.platforms as Platform[])];
  }
  const start = date(body.start_at, "start_at", errors, now);
  let offsetsMinutes: Partial<Record<Platform, number>> | undefined;
  if (body.offsets_minutes !== undefined) {
    const given = body.offsets_minutes;
    if (
      !isObject(given) ||
      Object.entries(given).some(
        ([k, v]) =>
          !(PLATFORMS as readonly string[]).includes(k) ||
          typeof v !== "number" ||
          !Number.isInteger(v) ||
          v < 0 ||
          v > 60 * 24 * 90,
      )
    ) {
      errors.push({
        field: "offsets_minutes",
        message: `must map ${PLATFORMS.join(", ")} to whole minutes from 0 to 129600`,
      });
    } else offsetsMinutes = given as Partial<Record<Platform, number>>;
  }
  if (errors.length) throw invalid(errors);
  return { platforms, start, offsetsMinutes };
}
