/**
 * Adapting a published piece: an extractive summary, keywords, and one post per platform within
 * its published limits. Deterministic and offline (sentence scoring, term frequency on the text
 * toolkit's tokens, stopwords and stems): the same piece at the same time gives the same posts.
 */
import { isStopword, splitSentences, stemWord, tokenize } from "@roboagency/agents/light";

import { PLATFORMS, type Platform } from "@roboagency/contracts";

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
// Summary and keywords

/** One stem for "clinics" and "clinic" (the agents' text toolkit, Porter2 on the lemma). */
const stem = (w: string) => stemWord(w.replace(/['’]s$/, ""));
const terms = (s: string) => tokenize(s).filter((w) => w.length > 2 && !isStopword(w));

/**
 * Extractive summary: sentences scored by how many of the piece's frequent terms they carry
 * (normalised by length, so long sentences do not win by size), with a bonus for title terms and
 * for coming early; the best are kept in their original order within `maxChars`.
 */
export function summarise(text: string, title = "", maxSentences = 3, maxChars = 600): string {
  const sentences = splitSentences(text).filter((s) => tokenize(s).length >= 4);
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
