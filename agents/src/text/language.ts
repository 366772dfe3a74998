/**
 * Which language an intake is written in (tinyld, a maintained n-gram detector), and the stopword
 * lists of languages the English model does not cover (stopwords-iso).
 */
import { createRequire } from "node:module";
import type { detectAll as DetectAll } from "tinyld";
import stopwordsIso from "stopwords-iso" with { type: "json" };
import { tokenize } from "./format.ts";

const NAMES: Record<string, string> = {
  en: "English",
  de: "German",
  fr: "French",
  es: "Spanish",
  it: "Italian",
  nl: "Dutch",
  pt: "Portuguese",
  pl: "Polish",
  sv: "Swedish",
  da: "Danish",
  no: "Norwegian",
  fi: "Finnish",
  cs: "Czech",
  tr: "Turkish",
};

export interface Language {
  /** ISO 639-1 code, "en" when unsure. */
  code: string;
  /** English name of the language: "German". */
  name: string;
  /** False for texts too short or too mixed to tell. */
  confident: boolean;
}

const ENGLISH_FUNCTION =
  /^(?:the|a|an|and|or|of|to|for|with|that|which|who|is|are|in|on|from|by|their|they|it|this|can|will)$/;

/** The intake's language. Short or mostly English text is English (tinyld guesses wildly on a few words). */
export function detectLanguage(text: string): Language {
  const words = tokenize(text);
  const english = words.filter((w) => ENGLISH_FUNCTION.test(w)).length;
  if (words.length < 6 || english / Math.max(1, words.length) >= 0.12) {
    return { code: "en", name: "English", confident: words.length >= 6 };
  }
  const best = detector()(text)[0];
  if (!best || best.accuracy < 0.5 || best.lang === "en")
    return { code: "en", name: "English", confident: false };
  return { code: best.lang, name: NAMES[best.lang] ?? best.lang, confident: true };
}

let detect: typeof DetectAll | undefined;

/** tinyld, loaded on first use (about 50 MiB resident), so a process that never drafts does not carry it. */
function detector(): typeof DetectAll {
  detect ??= (createRequire(import.meta.url)("tinyld") as { detectAll: typeof DetectAll }).detectAll;
  return detect;
}

const lists = stopwordsIso as Record<string, string[]>;

/** Stopwords of a language other than English (empty when stopwords-iso has none). */
export function foreignStopwords(code: string): ReadonlySet<string> {
  return new Set(lists[code] ?? []);
}
