/**
 * A small grammar checker for template sentences: subject-verb agreement at the start of a
 * sentence, indefinite articles, a singular person or organisation after "for" without an article,
 * a noun phrase where a verb must follow ("a way to team workspace"), doubled words and leftovers.
 * It checks what the drafting templates can get wrong; it is not a general English grammar.
 */
import { type Token, analyse } from "./analyse.ts";
import { article } from "./format.ts";

export interface GrammarFinding {
  rule: "agreement" | "article" | "bare-singular" | "verb-expected" | "doubled-word" | "leftover";
  sentence: string;
  detail: string;
}

const SINGULAR_VERBS = /^(?:has|is|was|wants|needs|does|gets|patches|runs|sees|shows|makes|lets)$/;
const PLURAL_VERBS = /^(?:have|are|were|want|need|do|get|patch|run|see|show|make|let)$/;
const COLLECTIVE_PLURAL = /^(?:people|staff|police|children|kids|men|women|folks)$/;
const PEOPLE_HEAD =
  /^(?:patient|clinic|tenant|landlord|owner|user|customer|client|member|manager|lead|dentist|doctor|nurse|teacher|student|parent|coach|trainer|host|guest|driver|seller|buyer|volunteer|donor|founder|recruiter|candidate|employee|beekeeper|farmer|practice|restaurant|studio|gym|team|agent|therapist|physio|lawyer|writer|creator|traveller|traveler|operator|merchant|shop|company|business|organisation|organization|school|charity|household|family)$/;

function plural(t: Token): boolean {
  if (COLLECTIVE_PLURAL.test(t.lower)) return true;
  return t.lower !== t.lemma && /s$/.test(t.lower) && !/ss$/.test(t.lower);
}

/** Sentences of a text, split at end punctuation. */
export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+(?=[A-Z0-9"“])|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** What the checker knows beyond the sentence itself. */
export interface GrammarContext {
  /**
   * The client's own text the drafts were written from. A doubled word the client wrote ("boda
   * boda", "Bora Bora") is their name for a thing, not a template's slip.
   */
  clientText?: string;
}

function doubledByClient(word: string, clientText: string): boolean {
  const w = word.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?<!\\p{L})${w}[\\s-]+${w}(?!\\p{L})`, "iu").test(clientText);
}

/**
 * Findings for one sentence. `nounPhrases` are names known to be noun phrases (for example the
 * knowledge base's feature names); after "to" or "can" they need a verb ("use the team workspace").
 */
export function grammarFindings(
  sentence: string,
  nounPhrases: readonly string[] = [],
  names: readonly string[] = [],
  context: GrammarContext = {},
): GrammarFinding[] {
  const out: GrammarFinding[] = [];
  const add = (rule: GrammarFinding["rule"], detail: string) => out.push({ rule, sentence, detail });
  const tokens = analyse(sentence).filter((t) => t.pos !== "SPACE");

  // Agreement: the subject before the sentence's first verb and that verb.
  const v = tokens.findIndex((t, i) => i > 0 && (t.pos === "AUX" || t.pos === "VERB"));
  if (v > 0) {
    const subject = tokens.slice(0, v);
    const verb = tokens[v]!;
    const conjoined = subject.some((t) => t.lower === "and");
    const head = [...subject].reverse().find((t) => t.pos === "NOUN" || t.pos === "PROPN");
    const onlyNouns = subject.every((t) => ["DET", "ADJ", "NOUN", "PROPN", "CCONJ", "NUM"].includes(t.pos));
    // Names ("Mews", "Wise") say nothing about number; a capitalised first word that is a common
    // noun ("Tenant have") is checked as the noun it is.
    // The tagger splits a name such as "7shifts" into "7" and "shifts", so a head counts as a name
    // when a name in the sentence holds it.
    const lowerSentence = sentence.toLowerCase();
    const isName =
      head !== undefined &&
      names.some((n) => {
        const name = n.toLowerCase();
        return name.split(/\s+/).some((w) => w.includes(head.lower)) && lowerSentence.includes(name);
      });
    const common =
      head !== undefined &&
      (head.pos === "NOUN" || (head.pos === "PROPN" && analyse(`the ${head.lower} is`)[1]?.pos === "NOUN"));
    if (head && common && !isName && onlyNouns && !/,/.test(subject.map((t) => t.value).join(""))) {
      const many = conjoined || plural(head);
      if (many && SINGULAR_VERBS.test(verb.lower))
        add("agreement", `"${head.value} ${verb.value}": plural subject, singular verb`);
      if (!many && PLURAL_VERBS.test(verb.lower) && !/^(?:i|you|we|they)$/i.test(head.lower))
        add("agreement", `"${head.value} ${verb.value}": singular subject, plural verb`);
    }
  }

  tokens.forEach((t, i) => {
    const next = tokens[i + 1];
    // Articles: "a offer", "an waitlist".
    if ((t.lower === "a" || t.lower === "an") && next && /^\p{L}/u.test(next.value) && t.pos === "DET") {
      const want = article(next.value);
      if (want !== t.lower) add("article", `"${t.value} ${next.value}" should be "${want} ${next.value}"`);
    }
    // "built for patient": a singular person or organisation with no article.
    if (t.lower === "for" && next && next.pos === "NOUN" && PEOPLE_HEAD.test(next.lower)) {
      const after = tokens[i + 2];
      const compound = after && (after.pos === "NOUN" || after.pos === "PROPN" || after.pos === "CCONJ");
      if (!compound) add("bare-singular", `"for ${next.value}" needs an article or a plural`);
    }
    // Doubled words: "the the".
    if (
      next &&
      /^\p{L}+$/u.test(t.value) &&
      t.lower === next.lower &&
      t.lower !== "that" &&
      !doubledByClient(t.lower, context.clientText ?? "")
    )
      add("doubled-word", `"${t.value} ${next.value}"`);
  });

  const lower = sentence.toLowerCase();
  for (const name of nounPhrases) {
    const n = name.toLowerCase();
    if (new RegExp(`\\b(?:way to|can|to) ${n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`).test(lower))
      add("verb-expected", `"${name}" is a noun phrase where a verb must follow`);
  }
  if (/\b(?:undefined|null|NaN|\[object Object\])\b/.test(sentence) || /\s{2,}|\s[,.;:]/.test(sentence))
    add("leftover", "template leftover or stray spacing");
  return out;
}

/** Findings for every sentence of every text. */
export function grammarReport(
  texts: readonly string[],
  nounPhrases: readonly string[] = [],
  names: readonly string[] = [],
  context: GrammarContext = {},
): GrammarFinding[] {
  return texts.flatMap((text) =>
    sentences(text).flatMap((s) => grammarFindings(s, nounPhrases, names, context)),
  );
}
