/**
 * Stopword checks for code that works on bare words rather than sentences (the offline embedder,
 * keyword extraction for content distribution). English function words come from the same model
 * the rest of the toolkit reads with, so there is one notion of "stopword" in the repository.
 */
import { analyse } from "./analyse.ts";

const memo = new Map<string, boolean>();

/** Whether a single lower-case word is a function or filler word (or a bare number). */
export function isStopword(word: string): boolean {
  const w = word.toLowerCase();
  if (/^\d+$/.test(w)) return true;
  const known = memo.get(w);
  if (known !== undefined) return known;
  const t = analyse(w)[0];
  const stop = t ? t.stop : true;
  if (memo.size > 20_000) memo.clear();
  memo.set(w, stop);
  return stop;
}

/** The words of `text` that are not stopwords, lower-cased, in order. */
export function contentWords(text: string): string[] {
  return analyse(text)
    .filter((t) => /\p{L}/u.test(t.value) && !t.stop)
    .map((t) => t.lower);
}
