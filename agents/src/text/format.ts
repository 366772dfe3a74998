/**
 * Small text helpers shared by the drafting model and the quality gates: tokens, markup stripping,
 * casing, slugs, articles and list items.
 */

const WORD = /[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu;

/** Lower-cased word tokens; punctuation and symbols are dropped. */
export function tokenize(text: string): string[] {
  return (text.toLowerCase().match(WORD) ?? []).map((t) => t.replace(/’/g, "'").replace(/['-]+$/, ""));
}

/** Drops tags and URLs, which are never product concepts, before any extraction. */
export function stripMarkup(text: string): string {
  return text
    .replace(/<[^>]*>/g, " ")
    .replace(/\b(?:https?|ftp|javascript|data|vbscript|file):\S*/gi, " ")
    .replace(/\bwww\.\S+/gi, " ")
    .replace(/\s+/g, " ");
}

const SMALL = /^(?:and|or|of|in|on|to|for|the|a|an|at|by|via|from|with|per)$/i;

/** Title Case for names drafted from intake words; short function words stay lower case. */
export function titleCase(text: string): string {
  let first = true;
  return text.replace(/\S+/g, (w) => {
    const out = !first && SMALL.test(w) ? w.toLowerCase() : w.charAt(0).toUpperCase() + w.slice(1);
    first = false;
    return out;
  });
}

export function sentenceCase(text: string): string {
  const t = text.trim();
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/** "a" or "an" for the word that follows (by sound for the common exceptions). */
export function article(phrase: string): "a" | "an" {
  const word = phrase.trim().split(/\s+/)[0] ?? "";
  const w = word.toLowerCase();
  if (/^(?:hour|honest|honou?r|heir)/.test(w)) return "an";
  if (/^(?:uni|use|usu|uti|eu|one|once|ubiq|ufo)/.test(w)) return "a";
  if (/^[aeiou]/.test(w)) return "an";
  // Initialisms read letter by letter: "an SMS", "an MRI", "a CRM".
  // So is a short word with no vowel however it is written ("an sms", "an nhs number").
  const letters = word.trim();
  const initialism =
    letters.length > 1 && (letters === letters.toUpperCase() || /^[^aeiouy\W\d]{2,4}$/i.test(letters));
  if (/^[fhlmnrsx][A-Z0-9]*$/i.test(letters) && initialism) return "an";
  return "a";
}

/** `word` with its indefinite article: "an offer", "a waitlist". */
export function withArticle(phrase: string): string {
  return `${article(phrase)} ${phrase}`;
}

export function slugify(text: string, max = 40): string {
  const slug = tokenize(text)
    .join("-")
    .normalize("NFKD")
    .replace(/[^a-z0-9-]+/g, "")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  if (slug.length <= max) return slug || "item";
  const cut = slug.slice(0, max + 1);
  const boundary = cut.lastIndexOf("-");
  return (boundary > 0 ? cut.slice(0, boundary) : slug.slice(0, max)) || "item";
}

/** Splits free text into items: lines, semicolons, bullets and sentences. */
export function splitItems(text: string): string[] {
  return text
    .split(/\n|;|•|(?<=[.!?])\s+|\s-\s|^\s*-\s/m)
    .map((s) =>
      s
        .replace(/^\s*(?:[-*•–—]|\d+[.)])\s+/, "")
        .replace(/[.\s]+$/, "")
        .trim(),
    )
    .filter((s) => tokenize(s).length >= 2);
}

/** "a, b and c". */
export function joinList(items: readonly string[], conjunction = "and"): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} ${conjunction} ${items[items.length - 1]}`;
}
