/**
 * Content distribution: a piece published in the CMS (an MDX file or a Wagtail page) becomes a
 * summary, keywords and one post per platform (X, Instagram, YouTube, LinkedIn) queued on a
 * schedule, and a newsletter to every lead who has not unsubscribed.
 *
 * The adaptation is deterministic and offline (sentence scoring for the summary, term frequency for
 * keywords, each platform's published limits); the same piece at the same time gives the same posts.
 * Posting goes through `PostingAdapter`s; the dry-run adapter, the default, records what would have
 * been posted; a platform's real adapter (data-access/posting/) takes over when it is configured. The SQL lives here rather than in data-access because nothing else reads these tables.
 */
import { createHmac } from "node:crypto";
import {
  PLATFORMS,
  frontmatterOf,
  httpUrlOf,
  parse,
  publishRequest,
  publishSourceOf,
  scheduleOptions,
  type Platform,
  type PublishRequest,
} from "@roboagency/contracts";
import type { z } from "zod";
import type pg from "pg";
import { isStopword, stemWord } from "@roboagency/agents";
import { withTransaction } from "../data-access/database.ts";
import { unsubscribeAddress, type Queryable } from "../data-access/repository.ts";
import type { Deps } from "./deps.ts";
import type { ContentMedia, ExistingPost, PostAttempt } from "./posting.ts";
import { HttpError, notFound } from "./errors.ts";
import { keysOf } from "./keys.ts";
import { matchesAny, type Secret, type Secrets } from "./signing.ts";

export { PLATFORMS, type Platform };

/**
 * Each platform's limits as its documentation states them. X counts every link as 23 characters
 * (t.co); Instagram links are not clickable, so the caption points to the bio; YouTube refuses
 * angle brackets in titles and descriptions and shows the first three hashtags above the title.
 */
export const PLATFORM_RULES: Record<
  Platform,
  { maxChars: number; maxHashtags: number; linkChars?: number; titleMaxChars?: number }
> = {
  x: { maxChars: 280, maxHashtags: 2, linkChars: 23 },
  linkedin: { maxChars: 3000, maxHashtags: 5 },
  instagram: { maxChars: 2200, maxHashtags: 10 },
  youtube: { maxChars: 5000, maxHashtags: 3, titleMaxChars: 100 },
};

/** Minutes after the schedule's start at which each platform's post goes out. */
export const DEFAULT_OFFSETS_MINUTES: Record<Platform, number> = {
  x: 0,
  linkedin: 60,
  instagram: 180,
  youtube: 360,
};

export interface ContentPiece {
  source: "mdx" | "wagtail";
  /** The slug (MDX) or page id (Wagtail). */
  externalId: string;
  title: string;
  url: string;
  /** Plain text of the body, markup removed. */
  text: string;
  /** Tags the author gave; they come first among the keywords. */
  tags: string[];
  description?: string;
  publishedAt: Date;
}

export interface AdaptedPost {
  platform: Platform;
  title: string | null;
  text: string;
  hashtags: string[];
  link: string | null;
  scheduledAt: Date;
}

export interface Adaptation {
  summary: string;
  keywords: string[];
  posts: AdaptedPost[];
}

// ---------------------------------------------------------------------------------------------
// Parsing the CMS event

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
  const { rest } = frontmatterOf(mdx);
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
  return pieceOf(parse(publishEvent, input, "publish event"), now);
}

/** The contracts' publish request, and the one check only extraction can make: the piece has text. */
export const publishEvent = publishRequest.superRefine(
  (body, ctx) => {
    const source = publishSourceOf(body);
    if (
      source === "mdx" &&
      typeof body.content === "string" &&
      body.content.trim() &&
      !mdxToText(body.content)
    ) {
      ctx.addIssue({ code: "custom", path: ["content"], message: "has no text once markup is removed" });
    }
    if (source === "wagtail" && isObject(body.page) && !wagtailBodyText(body.page.body)) {
      ctx.addIssue({
        code: "custom",
        path: ["page", "body"],
        message: "must hold the page's text (StreamField or HTML)",
      });
    }
  },
  { when: (payload) => isObject(payload.value) },
);

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

// ---------------------------------------------------------------------------------------------
// Summary and keywords

const words = (s: string) => s.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) ?? [];
/** One stem for "clinics" and "clinic" (the agents' text toolkit, Porter2 on the lemma). */
const stem = (w: string) => stemWord(w.replace(/['’]s$/, ""));
const terms = (s: string) => words(s).filter((w) => w.length > 2 && !isStopword(w));

const ABBREVIATIONS = /\b(?:e\.g|i\.e|etc|vs|mr|mrs|ms|dr|prof|inc|ltd|no|fig|approx)\.$/i;

export function splitSentences(text: string): string[] {
  const out: string[] = [];
  for (const paragraph of text.split(/\n\s*\n/)) {
    let current = "";
    const pieces = paragraph.replace(/\s+/g, " ").split(/(?<=[.!?…])\s+(?=["'“([]?[\p{Lu}\p{N}])/u);
    for (const piece of pieces) {
      current = current ? `${current} ${piece}` : piece;
      if (!ABBREVIATIONS.test(current)) {
        out.push(current.trim());
        current = "";
      }
    }
    if (current.trim()) out.push(current.trim());
  }
  return out.filter((s) => s.length > 0);
}

/**
 * Extractive summary: sentences scored by how many of the piece's frequent terms they carry
 * (normalised by length, so long sentences do not win by size), with a bonus for title terms and
 * for coming early; the best are kept in their original order within `maxChars`.
 */
export function summarise(text: string, title = "", maxSentences = 3, maxChars = 600): string {
  const sentences = splitSentences(text).filter((s) => words(s).length >= 4);
  if (sentences.length === 0) return truncate(text.replace(/\s+/g, " ").trim(), maxChars);
  const freq = new Map<string, number>();
  for (const s of sentences) for (const t of new Set(terms(s).map(stem))) freq.set(t, (freq.get(t) ?? 0) + 1);
  const top = Math.max(1, ...freq.values());
  const titleTerms = new Set(terms(title).map(stem));
  const scored = sentences.map((s, index) => {
    const ts = terms(s).map(stem);
    const unique = new Set(ts);
    let score = 0;
    for (const t of unique) score += (freq.get(t) ?? 0) / top + (titleTerms.has(t) ? 0.5 : 0);
    score /= Math.sqrt(Math.max(ts.length, 1));
    score += 0.3 / (1 + index);
    return { s, index, score };
  });
  const chosen: typeof scored = [];
  let used = 0;
  for (const c of [...scored].sort((a, b) => b.score - a.score || a.index - b.index)) {
    if (chosen.length >= maxSentences) break;
    const extra = c.s.length + (chosen.length ? 1 : 0);
    if (used + extra > maxChars) continue;
    chosen.push(c);
    used += extra;
  }
  if (chosen.length === 0) return truncate(scored[0]!.s, maxChars);
  return chosen
    .sort((a, b) => a.index - b.index)
    .map((c) => c.s)
    .join(" ");
}

/** The author's tags first, then the piece's most frequent terms (title terms weigh triple). */
export function extractKeywords(title: string, text: string, tags: string[] = [], max = 6): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (k: string) => {
    const key = stem(k.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ""));
    if (!key || seen.has(key) || out.length >= max) return;
    seen.add(key);
    out.push(k.trim());
  };
  for (const t of tags) add(t);
  const counts = new Map<string, { n: number; form: string; first: number }>();
  let position = 0;
  const count = (w: string, weight: number) => {
    const key = stem(w);
    const entry = counts.get(key) ?? { n: 0, form: w, first: position };
    entry.n += weight;
    if (w.length < entry.form.length) entry.form = w;
    counts.set(key, entry);
    position++;
  };
  for (const w of terms(title)) count(w, 3);
  for (const w of terms(text)) count(w, 1);
  const ranked = [...counts.values()]
    .filter((c) => c.form.length >= 4)
    .sort((a, b) => b.n - a.n || a.first - b.first);
  for (const c of ranked) add(c.form);
  return out;
}

/** "machine learning" → "#MachineLearning"; nothing for a keyword that makes no valid hashtag. */
export function hashtag(keyword: string): string | undefined {
  const body = keyword
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("");
  if (!body || /^\d+$/.test(body) || [...body].length > 60) return undefined;
  return `#${body}`;
}

const length = (s: string) => [...s].length;

/** Cuts at a word boundary and marks the cut with an ellipsis; never longer than `max`. */
export function truncate(text: string, max: number): string {
  if (length(text) <= max) return text;
  if (max <= 1) return [...text].slice(0, max).join("");
  const cut = [...text].slice(0, max - 1).join("");
  const atWord = cut.replace(/\s+\S*$/, "");
  return `${(atWord.length >= cut.length * 0.6 ? atWord : cut).replace(/[\s,;:.\-–—]+$/, "")}…`;
}

// ---------------------------------------------------------------------------------------------
// Per-platform posts

function fitHashtags(tags: string[], room: number): string[] {
  const kept: string[] = [];
  let used = 0;
  for (const t of tags) {
    const extra = length(t) + 1;
    if (used + extra > room) break;
    kept.push(t);
    used += extra;
  }
  return kept;
}

const noAngles = (s: string) => s.replace(/[<>]/g, "");

/** One post's text for a platform, within its limits. Pure: same input, same post. */
export function adaptForPlatform(
  platform: Platform,
  piece: Pick<ContentPiece, "title" | "url">,
  summary: string,
  keywords: string[],
): Omit<AdaptedPost, "scheduledAt"> {
  const rules = PLATFORM_RULES[platform];
  const tags = keywords
    .map(hashtag)
    .filter((t): t is string => Boolean(t))
    .slice(0, rules.maxHashtags);
  const lead = splitSentences(summary)[0] ?? summary;
  switch (platform) {
    case "x": {
      // Text, space, link (23), then hashtags if they still fit.
      const linkCost = 1 + rules.linkChars!;
      const base = `${piece.title}: ${lead}`;
      const text = truncate(base, rules.maxChars - linkCost);
      const hashtags = fitHashtags(tags, rules.maxChars - linkCost - length(text));
      return {
        platform,
        title: null,
        text: [text, piece.url, ...hashtags].join(" "),
        hashtags,
        link: piece.url,
      };
    }
    case "linkedin": {
      const tail = `\n\nRead more: ${piece.url}${tags.length ? `\n\n${tags.join(" ")}` : ""}`;
      const head = `${piece.title}\n\n`;
      const body = truncate(summary, rules.maxChars - length(head) - length(tail));
      return { platform, title: null, text: `${head}${body}${tail}`, hashtags: tags, link: piece.url };
    }
    case "instagram": {
      const tail = `\n\nLink in bio.${tags.length ? `\n\n${tags.join(" ")}` : ""}`;
      const head = `${piece.title}\n\n`;
      const body = truncate(summary, rules.maxChars - length(head) - length(tail));
      return { platform, title: null, text: `${head}${body}${tail}`, hashtags: tags, link: piece.url };
    }
    case "youtube": {
      const title = truncate(noAngles(piece.title), rules.titleMaxChars!);
      const tail = `\n\n${piece.url}${tags.length ? `\n\n${tags.join(" ")}` : ""}`;
      const body = truncate(noAngles(summary), rules.maxChars - length(tail));
      return { platform, title, text: `${body}${tail}`, hashtags: tags, link: piece.url };
    }
  }
}

export function adaptPiece(
  piece: ContentPiece,
  options: {
    start?: Date;
    platforms?: readonly Platform[];
    offsetsMinutes?: Partial<Record<Platform, number>>;
  } = {},
): Adaptation {
  const summary = summarise(
    piece.description ? `${piece.description}\n\n${piece.text}` : piece.text,
    piece.title,
  );
  const keywords = extractKeywords(piece.title, piece.text, piece.tags);
  const start = options.start ?? new Date();
  const offsets = { ...DEFAULT_OFFSETS_MINUTES, ...options.offsetsMinutes };
  const posts = (options.platforms ?? PLATFORMS).map((platform) => ({
    ...adaptForPlatform(platform, piece, summary, keywords),
    scheduledAt: new Date(start.getTime() + offsets[platform] * 60_000),
  }));
  return { summary, keywords, posts };
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

// ---------------------------------------------------------------------------------------------
// Storing and reading

export interface SocialPostRow {
  id: string;
  content_id: string;
  platform: Platform;
  title: string | null;
  text_body: string;
  hashtags: string[];
  link: string | null;
  scheduled_at: Date;
  status: "scheduled" | "posting" | "posted" | "failed";
  adapter: string | null;
  external_id: string | null;
  attempts: number;
  error: string | null;
  posted_at: Date | null;
}

export const POST_COLUMNS =
  "id, content_id, platform, title, text_body, hashtags, link, scheduled_at, status, adapter, external_id, attempts, error, posted_at";

/**
 * Stores a published piece and queues its posts. A second publish of the same piece (same source
 * and slug or page id) changes nothing and answers the stored piece: a retried CMS hook posts once.
 */
export async function publishContent(
  pool: pg.Pool,
  piece: ContentPiece,
  options: Parameters<typeof adaptPiece>[1] = {},
  media: ContentMedia = {},
): Promise<{ contentId: string; created: boolean }> {
  const adaptation = adaptPiece(piece, options);
  return withTransaction(pool, async (db) => {
    const inserted = await db.query<{ id: string }>(
      `INSERT INTO content_pieces (source, external_id, title, url, body_text, summary, keywords, published_at,
                                   video_url, image_url, project_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (source, external_id) DO NOTHING RETURNING id`,
      [
        piece.source,
        piece.externalId,
        piece.title,
        piece.url,
        piece.text,
        adaptation.summary,
        adaptation.keywords,
        piece.publishedAt,
        media.videoUrl ?? null,
        media.imageUrl ?? null,
        media.projectId ?? null,
      ],
    );
    if (!inserted.rows[0]) {
      const existing = await db.query<{ id: string }>(
        "SELECT id FROM content_pieces WHERE source = $1 AND external_id = $2",
        [piece.source, piece.externalId],
      );
      return { contentId: existing.rows[0]!.id, created: false };
    }
    const contentId = inserted.rows[0].id;
    for (const p of adaptation.posts) {
      await db.query(
        `INSERT INTO social_posts (content_id, platform, title, text_body, hashtags, link, scheduled_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [contentId, p.platform, p.title, p.text, p.hashtags, p.link, p.scheduledAt],
      );
    }
    return { contentId, created: true };
  });
}

export async function getContent(db: Queryable, contentId: string) {
  const piece = await db.query(
    `SELECT id, source, external_id, title, url, summary, keywords, published_at, created_at
     FROM content_pieces WHERE id = $1`,
    [contentId],
  );
  if (!piece.rows[0]) return null;
  const posts = await db.query<SocialPostRow>(
    `SELECT ${POST_COLUMNS} FROM social_posts WHERE content_id = $1 ORDER BY scheduled_at, platform`,
    [contentId],
  );
  const newsletter = await db.query<{ status: string; n: number }>(
    "SELECT status, count(*)::int AS n FROM newsletter_deliveries WHERE content_id = $1 GROUP BY status",
    [contentId],
  );
  return {
    ...piece.rows[0],
    posts: posts.rows,
    newsletter: Object.fromEntries(newsletter.rows.map((r) => [r.status, r.n])),
  };
}

// ---------------------------------------------------------------------------------------------
// Posting

/**
 * Posts one queued post on its platform; throws (a `PostingError` says how) when it did not.
 * The real adapters live in data-access/posting/; the dispatcher is business-logic/posting.ts.
 */
export interface PostingAdapter {
  readonly platform: Platform;
  /** Stored with the post, e.g. "dry-run". */
  readonly name: string;
  post(post: SocialPostRow, attempt: PostAttempt): Promise<{ externalId: string }>;
  /**
   * After an attempt that may have reached the platform: the post when it is there, null when it
   * surely is not, "unknown" when the platform cannot tell. Without it such a post awaits an operator.
   */
  findExisting?(post: SocialPostRow, attempt: PostAttempt): Promise<ExistingPost>;
}

/**
 * The default adapter: records what would have been posted and posts nothing. The real adapters
 * (data-access/posting/) replace it per platform when that platform's credentials are configured.
 */
export function createDryRunAdapter(db: Queryable, platform: Platform): PostingAdapter {
  return {
    platform,
    name: "dry-run",
    async post(post) {
      if (post.platform !== platform) {
        throw new Error(`the ${platform} adapter was handed a ${post.platform} post`);
      }
      const payload = {
        platform,
        title: post.title,
        text: post.text_body,
        hashtags: post.hashtags,
        link: post.link,
        scheduled_at: post.scheduled_at,
      };
      await db.query(
        `INSERT INTO dry_run_posts (post_id, platform, payload) VALUES ($1, $2, $3)
         ON CONFLICT (post_id) DO UPDATE SET payload = EXCLUDED.payload`,
        [post.id, platform, JSON.stringify(payload)],
      );
      return { externalId: `dry-run:${post.id}` };
    },
    async findExisting(post) {
      const { rows } = await db.query("SELECT 1 FROM dry_run_posts WHERE post_id = $1", [post.id]);
      return rows.length ? { externalId: `dry-run:${post.id}` } : null;
    },
  };
}

export function dryRunAdapters(db: Queryable): Record<Platform, PostingAdapter> {
  return Object.fromEntries(PLATFORMS.map((p) => [p, createDryRunAdapter(db, p)])) as Record<
    Platform,
    PostingAdapter
  >;
}

export { dispatchDuePosts } from "./posting.ts";

// ---------------------------------------------------------------------------------------------
// Unsubscribing

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const tokenMac = (secret: Secret, leadId: string) =>
  createHmac("sha256", secret).update(`unsubscribe:${leadId.toLowerCase()}`).digest("base64url").slice(0, 32);

/**
 * `<lead id>.<HMAC>`: lets one lead unsubscribe, and nobody else; carries no address. Signed with
 * the "unsubscribe" key (business-logic/keys.ts).
 */
export function unsubscribeToken(secret: Secret, leadId: string): string {
  return `${leadId.toLowerCase()}.${tokenMac(secret, leadId)}`;
}

/** The lead id of a token made under any of `secrets` (the current key, then the previous). */
export function verifyUnsubscribeToken(secrets: Secrets, token: string): string | null {
  const m = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{32})$/.exec(token);
  if (!m || !UUID.test(m[1]!)) return null;
  return matchesAny(secrets, (secret) => tokenMac(secret, m[1]!), m[2]!) ? m[1]! : null;
}

/**
 * Unsubscribes the person behind a signed token (every campaign email and newsletter links to
 * `/unsubscribe?token=`). A bare project id is public enough (a run's status shows it), so it is
 * accepted only from the links that carried it before tokens: a project whose emails hold
 * `/unsubscribe?project=<id>`. Every lead row with that address is marked, so no later email
 * reaches it. The answer never contains the address.
 */
export async function unsubscribe(
  pool: pg.Pool,
  secrets: Secrets,
  input: { token?: unknown; project_id?: unknown },
): Promise<{ unsubscribed: true }> {
  let email: string | undefined;
  if (input.token !== undefined) {
    const leadId = typeof input.token === "string" ? verifyUnsubscribeToken(secrets, input.token) : null;
    if (!leadId) {
      throw new HttpError(400, "invalid_token", "This unsubscribe link is not valid.", [
        { field: "token", message: "is not a valid unsubscribe token" },
      ]);
    }
    const { rows } = await pool.query<{ email: string }>("SELECT email FROM leads WHERE id = $1", [leadId]);
    email = rows[0]?.email;
  } else if (input.project_id !== undefined) {
    if (typeof input.project_id !== "string" || !UUID.test(input.project_id)) {
      throw new HttpError(
        422,
        "invalid_request",
        "project_id must be the project's id from the email link.",
        [{ field: "project_id", message: "must be a UUID" }],
      );
    }
    const { rows } = await pool.query<{ email: string; legacy_link: boolean }>(
      `SELECT l.email, EXISTS (SELECT 1 FROM campaign_emails e WHERE e.project_id = p.id
                AND strpos(e.text_body, '/unsubscribe?project=' || p.id::text) > 0) AS legacy_link
       FROM projects p JOIN leads l ON l.id = p.lead_id WHERE p.id = $1`,
      [input.project_id],
    );
    if (!rows[0]) throw notFound("The subscription");
    if (!rows[0].legacy_link) {
      throw new HttpError(
        422,
        "invalid_request",
        "Unsubscribe with the token from the email's link; a project id alone is not accepted.",
        [{ field: "token", message: "is required (the link in the email carries it)" }],
      );
    }
    email = rows[0].email;
  } else {
    throw new HttpError(
      422,
      "invalid_request",
      "Send the token or the project_id from the unsubscribe link.",
      [{ field: "token", message: "or project_id is required" }],
    );
  }
  if (!email) throw notFound("The subscription");
  await unsubscribeAddress(pool, email);
  return { unsubscribed: true };
}

/** True when the person with this address asked for no more email. */
export async function isUnsubscribed(db: Queryable, email: string): Promise<boolean> {
  const { rows } = await db.query(
    "SELECT 1 FROM leads WHERE lower(email) = lower($1) AND unsubscribed_at IS NOT NULL LIMIT 1",
    [email],
  );
  return rows.length > 0;
}

// ---------------------------------------------------------------------------------------------
// Newsletter

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
  const piece = await pool.query<{ title: string; url: string; summary: string }>(
    "SELECT title, url, summary FROM content_pieces WHERE id = $1",
    [contentId],
  );
  if (!piece.rows[0]) throw notFound("The content piece");
  await pool.query(
    `INSERT INTO newsletter_deliveries (content_id, email, lead_id, idempotency_key)
     SELECT DISTINCT ON (lower(l.email)) $1::uuid, lower(l.email), l.id,
            'newsletter-' || $1 || '-' || md5(lower(l.email))
     FROM leads l
     WHERE NOT EXISTS (SELECT 1 FROM leads u WHERE lower(u.email) = lower(l.email) AND u.unsubscribed_at IS NOT NULL)
     ORDER BY lower(l.email), l.created_at
     ON CONFLICT DO NOTHING`,
    [contentId],
  );
  const all = await pool.query<{
    email: string;
    lead_id: string;
    status: string;
    idempotency_key: string;
  }>(
    "SELECT email, lead_id, status, idempotency_key FROM newsletter_deliveries WHERE content_id = $1 ORDER BY email",
    [contentId],
  );
  const result = {
    recipients: all.rows.length,
    sent: 0,
    already_sent: 0,
    failed: 0,
    skipped_unsubscribed: 0,
  };
  for (const d of all.rows) {
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
    const message = renderNewsletter(piece.rows[0], unsubscribeUrl);
    try {
      const sent = await deps.mailer.send({
        from: config.mailFrom,
        to: d.email,
        ...message,
        idempotencyKey: d.idempotency_key,
        tags: { kind: "newsletter", content: contentId },
      });
      await pool.query(
        `UPDATE newsletter_deliveries SET status = 'sent', provider = $3, message_id = $4, sent_at = now(), error = NULL
         WHERE content_id = $1 AND email = $2`,
        [contentId, d.email, sent.provider, sent.messageId],
      );
      if (sent.duplicate) result.already_sent++;
      else result.sent++;
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      await pool.query(
        "UPDATE newsletter_deliveries SET status = 'failed', error = $3 WHERE content_id = $1 AND email = $2",
        [contentId, d.email, error],
      );
      deps.logger.warn({ contentId, err }, "newsletter delivery failed");
      result.failed++;
    }
  }
  return result;
}
