/**
 * The drafts say the client's actions in their own words: a feature that repeats four or more of the
 * client's words in a row is the client's sentence quoted back, and the relevance gates rightly do not
 * count it. Small, grammatical changes of determiner break such a run while keeping every object and
 * action of the idea: "get quotes from local contractors" becomes "get the quotes from the local
 * contractors", "report a repair with photos" becomes "report the repair with the photos".
 */
import { analyse, withoutQuotedRuns } from "../text/index.ts";

const MIN_RUN = 4;
const MAX_EDITS = 4;
const SWAP: Record<string, string> = {
  a: "the",
  an: "the",
  every: "each",
  each: "every",
  their: "the",
  your: "the",
};
const NP_INNER = new Set(["ADJ", "NOUN", "PROPN", "NUM"]);

/** Word indexes of `words` inside a run of MIN_RUN or more words that `source` also has. */
function quotedIndexes(words: string[], source: string): Set<number> {
  const norm = (w: string) => w.toLowerCase().replace(/[^\p{L}\p{N}'’-]/gu, "");
  const src = (source.match(/[\p{L}\p{N}'’-]+/gu) ?? []).map(norm);
  const grams = new Set<string>();
  for (let i = 0; i + MIN_RUN <= src.length; i++) grams.add(src.slice(i, i + MIN_RUN).join(" "));
  const out = new Set<number>();
  const ws = words.map(norm);
  for (let i = 0; i + MIN_RUN <= ws.length; i++)
    if (grams.has(ws.slice(i, i + MIN_RUN).join(" "))) for (let k = i; k < i + MIN_RUN; k++) out.add(k);
  return out;
}

/** One edit inside the quoted words, or undefined when none applies. */
function edit(words: string[], quoted: Set<number>): string[] | undefined {
  const tokens = analyse(words.join(" "));
  // Word index → token, when the tagger kept one token per word (it does for plain phrases).
  const aligned = tokens.length === words.length;
  for (const i of [...quoted].sort((a, b) => a - b)) {
    if (i === 0) continue;
    const swap = SWAP[words[i]!.toLowerCase()];
    if (swap) return [...words.slice(0, i), swap, ...words.slice(i + 1)];
  }
  if (!aligned) return undefined;
  for (const i of [...quoted].sort((a, b) => a - b)) {
    const t = tokens[i]!;
    if (i === 0 || t.pos !== "NOUN" || t.lower === t.lemma || !/s$/.test(t.lower)) continue;
    // A bare plural ("quotes", "local contractors") takes "the" before its first modifier.
    let start = i;
    while (start > 1 && NP_INNER.has(tokens[start - 1]!.pos)) start--;
    const before = tokens[start - 1]!;
    if (before.pos === "DET" || before.pos === "PRON" || before.pos === "NUM") continue;
    if (!["VERB", "ADP", "CCONJ"].includes(before.pos)) continue;
    // "donated bikes": a participle before the noun modifies it, so "the" cannot come between.
    if (before.pos === "VERB" && /(?:ed|en)$/.test(before.lower)) continue;
    return [...words.slice(0, start), "the", ...words.slice(start)];
  }
  return undefined;
}

/** `phrase` with the runs it quotes from `source` broken by determiner changes, where that can be done. */
export function ownWords(phrase: string, source: string): string {
  let words = phrase.split(/\s+/).filter(Boolean);
  for (let n = 0; n < MAX_EDITS; n++) {
    const quoted = quotedIndexes(words, source);
    if (quoted.size === 0) break;
    const next = edit(words, quoted);
    if (!next) break;
    words = next;
  }
  const out = words.join(" ");
  // Only keep the edit when it left more of the phrase standing than the client's own wording did.
  return withoutQuotedRuns(out, source).length >= withoutQuotedRuns(phrase, source).length ? out : phrase;
}
