/**
 * The small amount of language processing the offline model needs: tokens, stopwords, a crude
 * stemmer for matching, RAKE-style key phrases, action clauses ("lets owners book walkers") and
 * audience phrases ("for busy clinics"). Deterministic and dependency-free by design.
 */

// prettier-ignore
export const STOPWORDS: ReadonlySet<string> = new Set([
  "a","about","above","after","again","against","all","almost","also","am","an","and","any","app","application",
  "are","as","at","be","because","been","before","being","below","between","both","but","by","can","could",
  "did","do","does","doing","done","down","during","each","easy","easily","either","etc","even","ever","every",
  "few","for","from","further","get","gets","getting","give","go","going","good","great","had","has","have",
  "having","he","her","here","hers","him","his","how","i","idea","if","in","into","is","it","its","itself",
  "just","kind","let","lets","like","lot","lots","make","makes","many","may","me","might","more","most","much",
  "must","my","need","needs","new","no","nor","not","now","of","off","often","on","once","one","only","or",
  "other","our","ours","out","over","own","platform","product","really","same","service","she","should","simple",
  "simply","so","some","such","than","that","the","their","theirs","them","then","there","these","they","thing",
  "things","this","those","through","to","too","tool","under","until","up","us","use","used","using","very",
  "via","want","wants","was","way","we","were","what","when","where","which","while","who","whom","why","will",
  "with","within","without","would","you","your","yours","allow","allows","allowing","enable","enables",
  "help","helps","helping","lets","letting","platform","solution","website","web","online","based","better",
  "want","wish","would","able","make","build","building","create","i'd","we'd","we're","i'm","it's",
  "don't","doesn't","can't","won't","per","s","day","days","week","weeks","month","months","year","years",
]);

// prettier-ignore
const ACTION_VERBS: ReadonlySet<string> = new Set([
  "add","analyse","analyze","apply","assign","automate","book","browse","buy","calculate","chat","check",
  "choose","collect","compare","connect","coordinate","create","discover","donate","download","earn","edit",
  "explore","export","file","filter","find","follow","generate","hire","import","invite","join","learn","list",
  "log","manage","match","measure","message","monitor","order","organise","organize","pay","pick","plan","post",
  "practice","practise","publish","rate","read","receive","record","register","rent","report","request",
  "reserve","review","save","schedule","search","see","sell","send","set","share","sign","split","stream",
  "submit","subscribe","swap","sync","tip","track","trade","upload","verify","view","visit","vote","watch",
  "write","access","get","keep","store","run","claim","host","offer","invoice","quote","sort","tag","chase",
  "fill","reach","hold","train","cook","deliver","customise","customize","design","print","ship","sell","give",
  "take","earn","practise","assign","coordinate","receive",
]);

const FORM_VERBS = new Set([
  "add",
  "apply",
  "book",
  "buy",
  "create",
  "donate",
  "file",
  "invite",
  "join",
  "order",
  "pay",
  "post",
  "publish",
  "quote",
  "rate",
  "register",
  "rent",
  "request",
  "reserve",
  "send",
  "set",
  "sign",
  "submit",
  "subscribe",
  "upload",
  "write",
  "message",
  "chat",
  "tip",
  "claim",
  "invoice",
  "schedule",
  "edit",
  "record",
  "fill",
  "pick",
]);
const DASHBOARD_VERBS = new Set(["analyse", "analyze", "measure", "monitor", "report", "track", "calculate"]);

export type ScreenGuess = "form" | "list" | "dashboard";

const WORD = /[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu;

/** Lower-cased word tokens; punctuation and symbols are dropped. */
export function tokenize(text: string): string[] {
  return (text.toLowerCase().match(WORD) ?? []).map((t) => t.replace(/’/g, "'").replace(/['-]+$/, ""));
}

/** Crude suffix stripping so "walkers"/"walker" and "bookings"/"booking" meet. Matching only. */
export function stem(token: string): string {
  let t = token.toLowerCase().replace(/'s$/, "");
  if (t.length > 4 && t.endsWith("ies")) t = `${t.slice(0, -3)}y`;
  else if (t.length > 4 && /(ches|shes|sses|xes)$/.test(t)) t = t.slice(0, -2);
  else if (t.length > 3 && t.endsWith("s") && !/(ss|us|is)$/.test(t)) t = t.slice(0, -1);
  return t;
}

export function isStopword(token: string): boolean {
  return STOPWORDS.has(token) || /^\d+$/.test(token);
}

/** Content-word stems of a text, as a set for overlap scoring. */
export function stemSet(text: string): Set<string> {
  return new Set(
    tokenize(text)
      .filter((t) => !isStopword(t))
      .map(stem),
  );
}

/** Terms of `terms` present in `haystack` (stem match; multi-word terms need every word). */
export function matchedTerms(haystack: Set<string>, terms: readonly string[]): string[] {
  const hits: string[] = [];
  for (const term of terms) {
    const words = tokenize(term).map(stem);
    if (words.length > 0 && words.every((w) => haystack.has(w)) && !hits.includes(term)) hits.push(term);
  }
  return hits;
}

export interface KeyPhrase {
  phrase: string;
  score: number;
}

/**
 * RAKE (Rose et al., 2010): candidate phrases are runs of content words between stopwords and
 * punctuation; a word scores degree/frequency, a phrase the sum of its words. Words in the sector
 * vocabulary count double, which is what ties the extraction to the knowledge base.
 */
export function keyPhrases(text: string, vocabulary: readonly string[] = [], limit = 12): KeyPhrase[] {
  const vocab = new Set(vocabulary.map((v) => stem(v)));
  const candidates: string[][] = [];
  for (const chunk of stripMarkup(text)
    .toLowerCase()
    .split(/[.,;:!?()[\]{}"“”/\n\r\t]+|\s[-–—]\s/)) {
    let run: string[] = [];
    for (const token of tokenize(chunk)) {
      if (isStopword(token) || token.length < 2) {
        if (run.length) candidates.push(run);
        run = [];
      } else {
        run.push(token);
      }
    }
    if (run.length) candidates.push(run);
  }
  const freq = new Map<string, number>();
  const degree = new Map<string, number>();
  for (const words of candidates.filter((c) => c.length <= 4)) {
    for (const w of words) {
      freq.set(w, (freq.get(w) ?? 0) + 1);
      degree.set(w, (degree.get(w) ?? 0) + words.length);
    }
  }
  const scored = new Map<string, number>();
  for (const words of candidates.filter((c) => c.length <= 4)) {
    const phrase = words.join(" ");
    if (scored.has(phrase)) continue;
    let score = 0;
    for (const w of words) {
      const base = (degree.get(w) ?? 0) / (freq.get(w) ?? 1);
      score += vocab.has(stem(w)) ? base * 2 : base;
    }
    scored.set(phrase, Math.round(score * 100) / 100);
  }
  return [...scored.entries()]
    .map(([phrase, score]) => ({ phrase, score }))
    .sort((a, b) => b.score - a.score || a.phrase.localeCompare(b.phrase))
    .slice(0, limit);
}

export interface ActionClause {
  verb: string;
  text: string;
  screen: ScreenGuess;
}

const CLAUSE_TRIGGER =
  /\b(?:lets?|letting|allows?|allowing|enables?|enabling|helps?|helping|so that|so|where|to|can|and|,|with|then)\b/;

/**
 * Verb-led clauses describing what users do: "book vetted walkers", "track walks on a live map".
 * Clauses are cut at list separators, so "book, track and pay" yields three.
 */
export function actionClauses(text: string, limit = 6): ActionClause[] {
  const out: ActionClause[] = [];
  const seen = new Set<string>();
  for (const sentence of stripMarkup(text).split(/[.!?;\n]+/)) {
    const words = sentence.split(/(\s+|,)/).filter((w) => w.trim() !== "");
    for (let i = 0; i < words.length; i++) {
      const verb = tokenize(words[i] ?? "")[0];
      if (!verb || !ACTION_VERBS.has(verb)) continue;
      const prev = (words[i - 1] ?? ",").toLowerCase();
      const lookback = words
        .slice(Math.max(0, i - 5), i)
        .join(" ")
        .toLowerCase();
      // "lets busy dog owners book …": the trigger may sit a few words before the verb.
      const afterTrigger =
        i === 0 ||
        prev === "," ||
        CLAUSE_TRIGGER.test(prev) ||
        (/\b(?:lets?|allows?|helps?|enables?)\b/.test(lookback) &&
          !/[,]/.test(lookback.split(/\blets?|allows?|helps?|enables?\b/).pop() ?? "")) ||
        (/^[a-z]{3,}s$/.test(prev) && !isStopword(prev) && !ACTION_VERBS.has(prev));
      if (!afterTrigger) continue;
      const clause: string[] = [];
      for (let j = i; j < words.length && clause.length < 9; j++) {
        const w = words[j] ?? "";
        if (j > i && (w === "," || /^(?:and|or|but|so|while|then|because|which|who|without)$/i.test(w)))
          break;
        clause.push(w);
      }
      const cleaned = clause
        .join(" ")
        .replace(/\s+/g, " ")
        .replace(/[,:]+$/, "")
        .trim();
      const key = tokenize(cleaned).map(stem).join(" ");
      if (tokenize(cleaned).length < 2 || seen.has(key)) continue;
      seen.add(key);
      out.push({ verb, text: cleaned, screen: guessScreen(verb) });
      if (out.length >= limit) return out;
    }
  }
  return out;
}

export function guessScreen(verb: string): ScreenGuess {
  if (DASHBOARD_VERBS.has(verb)) return "dashboard";
  if (FORM_VERBS.has(verb)) return "form";
  return "list";
}

const AUDIENCE_STOP =
  /^(?:who|that|which|to|and|or|with|so|in|on|at|by|from|through|using|via|without|because|while|when|where|is|are|can|will|would|should)$/i;

/** Drops tags and URLs, which are never product features, before any extraction. */
export function stripMarkup(text: string): string {
  return text
    .replace(/<[^>]*>/g, " ")
    .replace(/\b(?:https?|ftp|javascript|data|vbscript|file):\S*/gi, " ")
    .replace(/\bwww\.\S+/gi, " ")
    .replace(/\s+/g, " ");
}

/** Who the idea is for: "for busy dog owners in Berlin" → "busy dog owners". */
/** Adverbs that end up at the tail of phrases ("pen pals abroad") but never name anything. */
export const ADVERBS: ReadonlySet<string> = new Set([
  "abroad",
  "live",
  "online",
  "together",
  "automatically",
  "quickly",
  "easily",
  "daily",
  "weekly",
  "monthly",
  "instantly",
  "nearby",
  "locally",
  "remotely",
  "fast",
  "anywhere",
  "again",
  "today",
  "later",
  "in-app",
]);

// Words that make "for" part of a verb ("sign up for shifts", "pay for parking"), not an audience.
const VERB_FOR =
  /^(?:up|look|looking|wait|waiting|ask|asking|apply|search|searching|pay|paying|account|ready|time|room|space|plan|planning|ideal|good|great|perfect|suitable)$/i;
const PEOPLE =
  /^(?:people|persons?|users?|customers?|clients?|owners?|teams?|families|parents?|kids|children|students?|teens?|teenagers?|adults?|seniors?|patients?|members?|employees?|staff|workers?|professionals?|freelancers?|creators?|businesses|companies|shops?|stores?|brands?|clinics?|practices|restaurants?|cafes?|venues?|landlords?|tenants?|agents?|drivers?|couriers?|volunteers?|donors?|charities|nonprofits|organisations|organizations|schools?|teachers?|tutors?|coaches?|athletes?|travellers?|travelers?|tourists?|guests?|hosts?|operators?|merchants?|sellers?|buyers?|shoppers?|readers?|fans?|artists?|designers?|developers?|engineers?|lawyers?|doctors?|nurses?|therapists?|florists?|bakers?|farmers?|makers?|startups?|founders?|managers?|recruiters?|candidates?|banks?|agencies|firms?|gyms?|studios?|hotels?|communities|groups?|households?|homeowners?|renters?|investors?|retailers?|brokers?|carers?|caregivers?)$/i;

/**
 * Who the idea is for: "for busy dog owners in Berlin" → "busy dog owners". A phrase counts only
 * when its head word names people or organisations (or a sector persona keyword), so "for pickup"
 * and "sign up for shifts" do not become audiences.
 */
export function audiencePhrases(text: string, limit = 3, personaWords: readonly string[] = []): string[] {
  const out: string[] = [];
  const persona = new Set(personaWords.map(stem));
  const patterns = [
    /(\S*)\s+for\s+([^.,;:!?()\n]+)/gi,
    /(\S*)\b(?:helps?|lets?|allows?|enables?)\s+([^.,;:!?()\n]+)/gi,
    /(\S*)\s+(?:aimed at|targeting|designed for|built for)\s+([^.,;:!?()\n]+)/gi,
  ];
  for (const re of patterns) {
    for (const m of stripMarkup(text).matchAll(re)) {
      if (VERB_FOR.test(m[1] ?? "")) continue;
      const words: string[] = [];
      for (const w of (m[2] ?? "").trim().split(/\s+/)) {
        const t = tokenize(w)[0] ?? "";
        if (AUDIENCE_STOP.test(t) || ACTION_VERBS.has(t) || words.length >= 5) break;
        words.push(w);
      }
      while (words.length && isStopword(tokenize(words[words.length - 1] ?? "")[0] ?? "")) words.pop();
      const phrase = words.join(" ").replace(/^(?:the|a|an|our|their|your)\s+/i, "");
      const content = tokenize(phrase).filter((t) => !isStopword(t));
      const head = content[content.length - 1] ?? "";
      if (content.length === 0 || content.length > 4) continue;
      if (!PEOPLE.test(head) && !persona.has(stem(head))) continue;
      if (!out.some((o) => o.toLowerCase() === phrase.toLowerCase())) out.push(phrase);
      if (out.length >= limit) return out;
    }
  }
  return out;
}

/** Sentence-cased text, for feature and persona names drafted from intake words. */
export function titleCase(text: string): string {
  return text.replace(/\S+/g, (w) =>
    w.length <= 3 && /^(?:and|or|of|in|on|to|for|the|a|an|at|by|via)$/i.test(w)
      ? w.toLowerCase()
      : w.charAt(0).toUpperCase() + w.slice(1),
  );
}

export function sentenceCase(text: string): string {
  const t = text.trim();
  return t.charAt(0).toUpperCase() + t.slice(1);
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

/** Stable 32-bit FNV-1a hash, used to vary wording deterministically per intake. */
export function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function pick<T>(items: readonly T[], seed: number): T {
  const item = items[seed % items.length];
  if (item === undefined) throw new Error("pick() needs a non-empty list");
  return item;
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

export interface Money {
  raw: string;
  currency?: string;
  min?: number;
  max?: number;
}

const CURRENCY: Record<string, string> = {
  $: "USD",
  "€": "EUR",
  "£": "GBP",
  usd: "USD",
  eur: "EUR",
  gbp: "GBP",
  chf: "CHF",
};

function amount(num: string, suffix: string | undefined): number {
  const n = Number(num.replace(/[,\s](?=\d{3}\b)/g, "").replace(",", "."));
  const mult = suffix ? (({ k: 1e3, m: 1e6 } as Record<string, number>)[suffix.toLowerCase()] ?? 1) : 1;
  return Math.round(n * mult);
}

/** "$20k", "€15,000-25,000", "between 10k and 20k EUR", "under £5k". Unparseable → raw only. */
export function parseBudget(raw: string): Money {
  const text = raw.trim();
  const lower = text.toLowerCase();
  const cur = /([$€£])|\b(usd|eur|gbp|chf)\b/i.exec(text);
  const currency = cur ? CURRENCY[(cur[1] ?? cur[2] ?? "").toLowerCase()] : undefined;
  const nums = [...text.matchAll(/(\d[\d,. ]*\d|\d)\s*([km])?\b/gi)].map((m) => ({
    value: amount(m[1] ?? "0", m[2]),
    suffix: m[2],
  }));
  if (nums.length === 0) return { raw: text, ...(currency ? { currency } : {}) };
  // "10-20k": the suffix on the upper bound applies to the lower one too.
  const last = nums[nums.length - 1];
  const first = nums[0];
  if (nums.length >= 2 && first && last && !first.suffix && last.suffix && first.value < 1000) {
    first.value = amount(String(first.value), last.suffix);
  }
  const values = nums.map((n) => n.value);
  let min = Math.min(...values);
  let max = Math.max(...values);
  if (/\b(?:under|below|less than|up to|max(?:imum)?|at most)\b|</.test(lower)) min = 0;
  if (/\b(?:over|above|more than|at least|min(?:imum)?)\b|\+/.test(lower)) max = min;
  return { raw: text, ...(currency ? { currency } : {}), min, max };
}

/** "12 weeks", "3 months", "2-3 months", "6 wks", "1 year", "ASAP" → weeks (upper bound). */
export function parseTimeline(raw: string): { raw: string; weeks?: number } {
  const text = raw.trim();
  const m =
    /(\d+(?:[.,]\d+)?)(?:\s*(?:-|–|to)\s*(\d+(?:[.,]\d+)?))?\s*(days?|d|weeks?|wks?|w|months?|mos?|m|quarters?|years?|yrs?|y)\b/i.exec(
      text,
    );
  if (!m) {
    if (/\basap\b|urgent|as soon as/i.test(text)) return { raw: text, weeks: 4 };
    return { raw: text };
  }
  const n = Number((m[2] ?? m[1] ?? "0").replace(",", "."));
  const unit = (m[3] ?? "").toLowerCase();
  const perUnit = unit.startsWith("d")
    ? 1 / 7
    : unit.startsWith("w")
      ? 1
      : unit.startsWith("q")
        ? 13
        : unit.startsWith("y")
          ? 52
          : 52 / 12;
  return { raw: text, weeks: Math.max(1, Math.round(n * perUnit)) };
}
