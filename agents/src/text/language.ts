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

/*
 * Reading a language the English tagger does not cover. Nouns there are found the way a reader of
 * that language finds them: a noun phrase opens with a determiner (a closed class, listed below
 * per language), and German capitalises every noun. Verb forms and adjectives are told apart by
 * their endings, small documented morphology rules, never by a list of content words.
 */

// Articles (with their preposition contractions), possessives, demonstratives, "each" and "which".
// prettier-ignore
const DETERMINERS: Record<string, ReadonlySet<string>> = {
  fr: new Set(["le","la","les","un","une","des","du","au","aux","ce","cet","cette","ces","mon","ma","mes","ton","ta","tes","son","sa","ses","notre","nos","votre","vos","leur","leurs","chaque","quel","quelle","quels","quelles"]),
  it: new Set(["il","lo","la","i","gli","le","un","uno","una","del","dello","della","dei","degli","delle","al","allo","alla","ai","agli","alle","dal","dalla","dai","dalle","nel","nello","nella","nei","negli","nelle","sul","sulla","sui","sulle","mio","mia","miei","mie","suo","sua","suoi","sue","nostro","nostra","nostri","nostre","loro","ogni","questo","questa","questi","queste","quale","quali"]),
  es: new Set(["el","la","los","las","un","una","unos","unas","del","al","mi","mis","tu","tus","su","sus","nuestro","nuestra","nuestros","nuestras","cada","este","esta","estos","estas","ese","esa","esos","esas","cuántos","cuántas","qué"]),
  pt: new Set(["o","a","os","as","um","uma","uns","umas","do","da","dos","das","no","na","nos","nas","ao","aos","pelo","pela","pelos","pelas","meu","minha","meus","minhas","seu","sua","seus","suas","nosso","nossa","nossos","nossas","cada","este","esta","estes","estas","esse","essa","esses","essas","num","numa","quais"]),
  nl: new Set(["de","het","een","hun","zijn","haar","mijn","onze","ons","uw","elk","elke","ieder","iedere","deze","dit","welke"]),
  de: new Set(["der","die","das","den","dem","des","ein","eine","einen","einem","einer","eines","ihr","ihre","ihren","ihrem","ihrer","sein","seine","seinen","seinem","unser","unsere","unseren","unserem","jede","jeden","jedem","jeder","jedes","diese","dieser","diesen","im","am","vom","zum","zur","ins","beim","welche"]),
};
// Articles fused with a preposition ("ins Tablet", "sul sito", "au bureau"): a place or a means.
// prettier-ignore
const CONTRACTED = new Set(["au","aux","al","allo","alla","ai","agli","alle","dal","dalla","dai","dalle","nel","nello","nella","nei","negli","nelle","sul","sullo","sulla","sui","sugli","sulle","ao","aos","no","na","nos","nas","pelo","pela","pelos","pelas","num","numa","im","am","vom","zum","zur","ins","beim"]);
// Prepositions of means, place and purpose ("par téléphone", "dans un cahier", "für Vereine"):
// what follows is how, where or for whom, not a thing the product manages. Not "with" ("mit",
// "avec"): "eine Backliste mit den Gesamtmengen" names what the thing holds.
// prettier-ignore
const MEANS: Record<string, ReadonlySet<string>> = {
  fr: new Set(["par","dans","sur","depuis","via","en","à","pour","chez"]),
  it: new Set(["su","in","da","per","tramite","presso"]),
  es: new Set(["en","por","desde","mediante","para"]),
  pt: new Set(["em","por","desde","para"]),
  nl: new Set(["op","in","via","uit","bij","voor"]),
  de: new Set(["auf","in","per","über","aus","bei","für","an"]),
};

// Units of time ("chaque mois", "ogni settimana"): a closed class, as the English UNITS in analyse.ts.
const TIME_UNIT =
  /^(?:jours?|semaines?|mois|ans?|années?|giorn[oi]|settiman[ae]|mes[ei]|ann[oi]|días?|dias?|semanas?|meses|años?|anos?|dag(?:en)?|weken?|maand(?:en)?|jaar|jaren|tag(?:e)?|wochen?|monat(?:e)?|jahr(?:e)?)$/i;

// "Of the" fused into one word: "les commandes du samedi", "il numero delle persone".
// prettier-ignore
const OF_THE = new Set(["du","des","del","dello","della","dei","degli","delle","do","da","dos","das"]);
// Elided articles written onto the noun: French "l'", "d'", Italian "l'", "dell'", "un'".
const ELIDED = /^(?:[dl]|dell|all|dall|nell|sull|un|qu)['’]/i;

// The few adjectives these languages put before the noun ("une petite cantine", "la nuova sede").
// prettier-ignore
const PRENOMINAL = new Set([
  "petit","petite","petits","petites","grand","grande","grands","grandes","nouveau","nouvel","nouvelle","nouveaux","nouvelles","bon","bonne","bons","bonnes","vieux","vieille","jeune","jeunes","premier","première","premiers","premières","dernier","dernière","seul","seule",
  "piccolo","piccola","piccoli","piccole","grandi","nuovo","nuova","nuovi","nuove","buon","buono","buona","primo","prima","primi","prime","ultimo","ultima","vecchio","vecchia",
  "pequeño","pequeña","pequeños","pequeñas","gran","nuevo","nueva","nuevos","nuevas","buen","primer","primera","último","última",
  "pequeno","pequena","pequenos","pequenas","novo","nova","novos","novas","bom","boa","primeiro","primeira",
]);

// Adjective and participle endings after a Romance noun ("indemnités kilométriques", "bottiglie vendute").
const ROMANCE_ADJECTIVE: Record<string, RegExp> = {
  // Not "-ise" or "-it": "l'association organise", "l'élève voit" are verbs after their subject.
  fr: /(?:iques?|ifs?|ives?|elles?|els?|aires?|ales?|aux|ables?|ibles?|eux|euses?|ée?s?|antes?|ants?)$/,
  it: /(?:ic[oaie]|ich[ei]|al[ei]|iv[oaie]|os[oaie]|at[oaie]|it[oaie]|ut[oaie]|ant[ei]|ent[ei]|abil[ei]|ibil[ei]|ari[oae]?)$/,
  es: /(?:ic[oa]s?|ales?|iv[oa]s?|os[oa]s?|ad[oa]s?|id[oa]s?|antes?|entes?|ables?|ibles?|ari[oa]s?)$/,
  pt: /(?:ic[oa]s?|ais|al|iv[oa]s?|os[oa]s?|ad[oa]s?|id[oa]s?|antes?|entes?|áveis|ável|íveis|ível|ári[oa]s?)$/,
};
// Inflected attributive adjectives of Dutch ("jaarlijkse huur", "gemeenschappelijke schuur").
const DUTCH_ADJECTIVE = /(?:lijke|ige|ische|se|we|de|te|le|re|ke|ne|ge|ve)$/;

/**
 * Verb forms no noun of the language ends in: gerunds ("eligiendo"), the first person plural
 * ("necesitamos", "réservons") and an infinitive with its pronoun ("pedirlos").
 */
const UNAMBIGUOUS_VERB: Record<string, RegExp> = {
  es: /(?:ando|iendo|yendo|amos|emos|imos|aron|ieron|(?:ar|er|ir)(?:lo|la|le|se|me|nos)s?)$/,
  pt: /(?:ando|endo|indo|amos|emos|imos|aram|eram|iram|(?:ar|er|ir)-(?:lo|la|se|me|nos)s?)$/,
  it: /(?:ando|endo|iamo|(?:are|ere|ire)(?:lo|la|li|le|si|mi|ci))$/,
  fr: /(?:ons|ez)$/,
};
/**
 * Also the endings verbs share with some nouns: infinitives ("réserver", "prenotare"), the third
 * person plural ("réservent", "prenotano", "reservan") and participles. Only for a word outside a
 * noun phrase, where no determiner says it is a noun ("le client", "la moneda").
 */
const VERB_ENDINGS: Record<string, RegExp> = {
  es: /(?:an|en|ar|er|ir|ado|ido)$/,
  pt: /(?:am|em|ar|er|ir|ado|ido)$/,
  it: /(?:ano|ono|ino|are|ere|ire|ato|uto|ito)$/,
  fr: /(?:ent|er|ir|ant)$/,
  nl: /(?:en|t)$/,
};

/**
 * Whether `word` reads as a verb form of the language: by an ending only verbs have, or, when
 * `outsidePhrase` (no determiner before it), by one verbs share with a few nouns. German nouns
 * are capitalised, so there any lower-case content word outside a phrase is a verb or an adjective.
 */
export function isForeignVerbForm(word: string, code: string, outsidePhrase = false): boolean {
  const w = word.toLowerCase();
  if (UNAMBIGUOUS_VERB[code]?.test(w)) return true;
  if (!outsidePhrase) return false;
  if (code === "de") return !/^\p{Lu}/u.test(word) && !foreignStopwords(code).has(w);
  return VERB_ENDINGS[code]?.test(w) ?? false;
}

/** Whether `word` has an adjective's or participle's ending in the language ("numérique", "mensuelles"). */
export function isForeignAdjective(word: string, code: string): boolean {
  const w = word.toLowerCase();
  if (code === "nl") return /(?:lijks?e?|ige?|ische?)$/.test(w);
  if (code === "de") return !/^\p{Lu}/u.test(word) && /(?:lich|ig|isch)(?:e[mnrs]?)?$/.test(w);
  return ROMANCE_ADJECTIVE[code]?.test(w) ?? false;
}

/** Whether `word` is a function word (determiner, pronoun, preposition…) of the language. */
export function isForeignFunctionWord(word: string, code: string): boolean {
  const w = word.toLowerCase();
  return (DETERMINERS[code]?.has(w) ?? false) || foreignStopwords(code).has(w);
}

export interface ForeignPhrase {
  /** The noun phrase as the client wrote it, without its determiner: "heures de conduite". */
  text: string;
  /** Its head noun as written: "heures". */
  head: string;
  /** A subject does the action (a verb follows it); an object or complement is acted on. */
  role: "subject" | "object";
  /** The verb form right before the determiner, if any: "réservent" in "réservent leurs heures". */
  verb?: string;
  /** A preposition of means, place or purpose before the phrase: "par" in "par le téléphone". */
  preposition?: string;
}

const stopCache = new Map<string, ReadonlySet<string>>();

/**
 * The noun phrases of a text in another language, in order: a determiner, then (past a pre-nominal
 * adjective) the head noun, then any adjectives after it and one "de"/"di" complement.
 */
export function foreignNounPhrases(text: string, code: string): ForeignPhrase[] {
  const dets = DETERMINERS[code];
  if (!dets) return [];
  let stop = stopCache.get(code);
  if (!stop) stopCache.set(code, (stop = foreignStopwords(code)));
  const isFunction = (w: string) => dets.has(w.toLowerCase()) || stop.has(w.toLowerCase());
  const out: ForeignPhrase[] = [];
  const romance = code in ROMANCE_ADJECTIVE;
  for (const clause of text.split(/[.,;:!?()\n]+/)) {
    const raw = clause.match(/[\p{L}][\p{L}'’-]*/gu) ?? [];
    // An elided article is a determiner of its own: "d'apprentissage" is "d'" + "apprentissage".
    const words: { w: string; det: boolean }[] = [];
    for (const r of raw) {
      const m = ELIDED.exec(r);
      if (m && r.length > m[0].length + 1)
        words.push({ w: m[0], det: true }, { w: r.slice(m[0].length), det: false });
      else words.push({ w: r, det: dets.has(r.toLowerCase()) });
    }
    for (let i = 0; i < words.length; i++) {
      if (!words[i]!.det) continue;
      let k = i + 1;
      while (k < words.length && words[k]!.det) k++;
      if (romance) while (k < words.length - 1 && PRENOMINAL.has(words[k]!.w.toLowerCase())) k++;
      if (code === "nl")
        while (
          k < words.length - 1 &&
          DUTCH_ADJECTIVE.test(words[k]!.w.toLowerCase()) &&
          !isFunction(words[k + 1]!.w)
        )
          k++;
      if (code === "de") while (k < words.length - 1 && !/^\p{Lu}/u.test(words[k]!.w)) k++;
      const head = words[k];
      if (!head || head.det || isFunction(head.w) || head.w.length < 3 || TIME_UNIT.test(head.w)) continue;
      if (code === "de" && !/^\p{Lu}/u.test(head.w)) continue;
      let end = k + 1;
      if (romance) {
        // Romance adjectives follow their noun ("heures pratiques"): they belong to the phrase.
        const pastAdjectives = (from: number): number => {
          let at = from;
          while (
            at < words.length &&
            !isFunction(words[at]!.w) &&
            ROMANCE_ADJECTIVE[code]!.test(words[at]!.w.toLowerCase())
          )
            at++;
          return at;
        };
        end = pastAdjectives(end);
        // "heures de conduite", "commandes du samedi": a noun after "de"/"di" or "du"/"della" completes it.
        const prep = words[end];
        const noun = words[end + 1];
        if (
          prep &&
          noun &&
          (/^(?:de|di|d['’])$/i.test(prep.w) || OF_THE.has(prep.w.toLowerCase())) &&
          !noun.det &&
          !isFunction(noun.w) &&
          !isForeignVerbForm(noun.w, code)
        ) {
          end = pastAdjectives(end + 2);
        }
      }
      const next = words[end];
      // Dutch and German put the verb last in a subordinate or infinitive clause ("uit de schuur
      // reserveren"): a word that ends the clause says nothing about what comes before it.
      const verbLast =
        (code === "nl" || code === "de") &&
        (end === words.length - 1 || /^(?:und|oder|en|of)$/i.test(words[end + 1]?.w ?? ""));
      const before = words[i - 1];
      const fused = CONTRACTED.has(words[i]!.w.toLowerCase());
      const verb =
        !fused &&
        before &&
        !before.det &&
        !isFunction(before.w) &&
        // "calculées chaque mois": a participle after its own noun is no verb of the next phrase.
        !isForeignAdjective(before.w, code) &&
        (code !== "de" || !/^\p{Lu}/u.test(before.w)) &&
        !out.some((p) => p.text.split(" ").includes(before.w))
          ? before.w
          : undefined;
      out.push({
        text: words
          .slice(k, end)
          .map((x) => x.w)
          .join(" ")
          .replace(/(['’]) /g, "$1"),
        head: head.w,
        // Whatever content word follows the phrase in its clause is its verb: "les élèves réservent".
        // In Dutch and German the verb after a subject ends as verbs do ("bekommt", "zahlen"):
        // "die Gesamtmengen pro Sorte" is no clause.
        role:
          next &&
          !next.det &&
          !isFunction(next.w) &&
          !verbLast &&
          (!(code === "nl" || code === "de") || /(?:en|t)$/.test(next.w.toLowerCase()))
            ? "subject"
            : "object",
        ...(verb ? { verb } : {}),
        ...(fused
          ? { preposition: words[i]!.w.toLowerCase() }
          : before && MEANS[code]?.has(before.w.toLowerCase())
            ? { preposition: before.w.toLowerCase() }
            : {}),
      });
      i = end - 1;
    }
  }
  return out;
}

// English verbs a feature may open with, for their cognates in the client's language.
// prettier-ignore
const ENGLISH_VERBS = [
  "reserve","register","validate","calculate","prepare","organise","confirm","control","publish","select",
  "record","report","schedule","invoice","approve","assign","monitor","compare","analyse","review","order",
  "request","subscribe","upload","notify","plan","verify","document","photograph","deliver","collect",
];
const plain = (w: string) => w.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();

/**
 * The English verb a foreign verb form is a cognate of ("réservent" → "reserve", "registri" →
 * "register", "calculées" → "calculate"), by a shared stem of at least five letters; none when
 * the words only look alike for a shorter stretch.
 */
export function englishCognate(word: string): string | undefined {
  const w = plain(word);
  if (w.length < 5) return undefined;
  return ENGLISH_VERBS.find((e) => {
    const stem = e.replace(/(?:ate|e)$/, "");
    if (stem.length >= 5 && w.startsWith(stem)) return true;
    let n = 0;
    while (n < e.length && n < w.length && e[n] === w[n]) n++;
    return n >= 6;
  });
}
