/**
 * Concepts of an idea, read like a product manager reads a brief: the nouns and noun phrases it is
 * about ("waitlist", "cancelled slots") and the actions users take on them ("fill cancelled slots").
 * One implementation for the drafting model, the quality gates, retrieval and content distribution.
 */
import { type Token, analyse, isContent, stemWord } from "./analyse.ts";
import { detectLanguage, foreignStopwords } from "./language.ts";
import { stripMarkup, tokenize } from "./format.ts";

export interface Concept {
  /** Lower-case dictionary form of the concept's head word: "waitlist", "cancel", "slot". */
  lemma: string;
  /** The words around it as the client wrote them: "waitlist", "cancelled slots". */
  phrase: string;
}

export interface NounPhrase {
  /** The phrase as written, determiners and possessives dropped: "cancelled slots". */
  text: string;
  /** Lemma of the head (last) noun: "slot". */
  head: string;
  tokens: Token[];
}

export interface Action {
  /** Lemma of the verb: "fill". */
  verb: string;
  /** The verb as written: "fills". */
  verbText: string;
  /** Its object, when it has one: "cancelled slots". */
  object?: NounPhrase;
  /** A prepositional complement right after the object: "from a waitlist" → the waitlist phrase. */
  complement?: { preposition: string; phrase: NounPhrase };
  /** Further prepositional phrases chained after it: "on the waitlist", "by text message". */
  more?: { preposition: string; phrase: NounPhrase }[];
  /** Set for a passive clause ("blockers are flagged"): the doer is `subject` only when "by" names it. */
  passive?: true;
  /** Who does it, when the sentence says: "the front desk" in "the front desk confirms offers". */
  subject?: NounPhrase;
  /** "fill cancelled slots from a waitlist": verb lemma, object and complement. */
  text: string;
  /** The same action as the client wrote it, verb in its base form and possessives dropped: "fill cancelled slots from a waitlist". */
  phrase: string;
  /** Index of the sentence it was read from. */
  sentence: number;
}

const POSSESSIVE = /^(?:their|his|her|its|our|my|your)$/;
const NOUNISH = new Set(["NOUN", "PROPN"]);
// Particles of phrasal verbs ("brings in", "hand out"): the verb's half, never a thing acted on.
const PARTICLE = /^(?:in|out|up|off|on|back|down|over|away|around|through|along)$/;
// Verbs of knowing and seeing take a clause ("know their child arrived", "see the room is ready"):
// the noun right before that clause's verb is its subject, not what is known.
const CLAUSE_VERBS =
  /^(?:know|see|check|ensure|confirm|learn|notice|hear|verify|tell|show|understand|make sure)$/;
const MODIFIER = new Set(["ADJ", "NOUN", "PROPN", "NUM"]);

const DAY_WORD = /^(?:today|tonight|tomorrow|yesterday)$/;
// Prepositions of time: "missing before the register closes" says when, so the noun after it is no
// object of the verb before it. A place is often what the action is about ("register at the door",
// "move behind a paywall"), so only "at" a time ("paid at the end of the month", "at 6am") counts.
const WHEN = /^(?:before|after|until|till|during|since|within)$/;
const AT_TIME = /^(?:end|start|beginning|moment|time|weekend|night|noon|midnight|dawn|dusk|\d.*)$/;

/** Whether the preposition at `j` opens a phrase of time. */
function saysWhen(tokens: Token[], j: number): boolean {
  const t = tokens[j]!;
  if (WHEN.test(t.lower)) return true;
  if (t.lower !== "at") return false;
  let k = j + 1;
  while (tokens[k] && tokens[k]!.pos === "DET") k++;
  return AT_TIME.test(tokens[k]?.lower ?? "");
}
// Units of time: "delivered this month", "posts every week" say when, not what.
const TIME_UNIT =
  /^(?:day|week|month|year|hour|minute|morning|evening|night|afternoon|weekend|quarter|season|term)s?$/;

/** Whether the verb at `i` stands in a "how many …"/"how much …" question ("how many days are left"). */
function insideCountQuestion(tokens: Token[], i: number): boolean {
  for (let k = i - 1; k > 0 && tokens[k]!.sentence === tokens[i]!.sentence; k--) {
    if (["PUNCT", "CCONJ", "VERB"].includes(tokens[k]!.pos)) return false;
    if (/^(?:many|much)$/.test(tokens[k]!.lower) && tokens[k - 1]!.lower === "how") return true;
  }
  return false;
}

function isNounish(t: Token): boolean {
  return NOUNISH.has(t.pos) && /\p{L}/u.test(t.value);
}

/** A participle before a noun ("cancelled slots", "freed slot", "climbing gyms") modifies it. */
function isParticipleModifier(t: Token, next: Token | undefined): boolean {
  return t.pos === "VERB" && /(?:ed|en|ing)$/.test(t.lower) && next !== undefined && isNounish(next);
}

function phraseFrom(tokens: Token[]): NounPhrase | undefined {
  const trimmed = [...tokens];
  // "Today riders pay cash": a day word before a noun says when, it does not modify the noun.
  const lead = (t: Token, next: Token | undefined) =>
    ["DET", "PRON", "NUM"].includes(t.pos) ||
    t.filler ||
    (t.stop && t.pos !== "ADJ") ||
    (DAY_WORD.test(t.lower) && next !== undefined && !/^['’]s$/.test(next.lower));
  while (trimmed.length && lead(trimmed[0]!, trimmed[1])) trimmed.shift();
  const head = trimmed[trimmed.length - 1];
  // wink lists a few real nouns as stopwords ("goods"); only filler words cannot head a phrase.
  if (!head || !isNounish(head) || head.filler || (head.stop && head.pos !== "NOUN")) return undefined;
  const text = trimmed
    .map((t, i) => (i === 0 ? t.value : `${t.pre.length ? " " : ""}${t.value}`))
    .join("")
    .toLowerCase();
  return { text, head: head.lemma, tokens: trimmed };
}

/** Maximal runs of modifiers ending in a noun: "small clinics", "front desk view", "cancelled slots". */
export function nounPhrases(text: string): NounPhrase[] {
  return nounPhrasesOf(analyse(stripMarkup(text)));
}

function nounPhrasesOf(tokens: Token[]): NounPhrase[] {
  const out: NounPhrase[] = [];
  let run: Token[] = [];
  const flush = () => {
    // A run may end in an adjective ("slots free"); cut back to its last noun.
    while (run.length && !isNounish(run[run.length - 1]!)) run.pop();
    const p = run.length ? phraseFrom(run) : undefined;
    if (p) out.push(p);
    run = [];
  };
  tokens.forEach((t, i) => {
    const next = tokens[i + 1];
    const sameSentence = run.length === 0 || run[run.length - 1]!.sentence === t.sentence;
    // "the child's savings pot": the possessor and its "'s" open the phrase of what it owns.
    const possessive =
      run.length > 0 &&
      t.pos === "PART" &&
      /^['’]s$/.test(t.lower) &&
      next !== undefined &&
      (isNounish(next) || next.pos === "ADJ");
    if (possessive) run.push(t);
    else if (
      sameSentence &&
      (MODIFIER.has(t.pos) || isParticipleModifier(t, next)) &&
      /[\p{L}\p{N}]/u.test(t.value)
    ) {
      // "a reminder two days before": a number after a noun starts a phrase of its own.
      if (run.length >= 4 || (t.pos === "NUM" && run.length && isNounish(run[run.length - 1]!))) flush();
      run.push(t);
    } else {
      flush();
    }
  });
  flush();
  return out;
}

/** Verb-object actions: "fills cancelled slots from a waitlist" → fill / cancelled slots / waitlist. */
export function actions(text: string, limit = 8): Action[] {
  const tokens = analyse(stripMarkup(text));
  const phrases = nounPhrasesOf(tokens);
  const startOf = new Map<Token, NounPhrase>();
  for (const p of phrases) if (p.tokens[0]) startOf.set(p.tokens[0], p);
  const out: Action[] = [];
  const seen = new Set<string>();
  // "check their balance", "on their phone": a singular noun needs its determiner, so "their"
  // stays (any other possessive, the client's "our" or "my", becomes "the"); before a plural it
  // goes ("track their orders" → "track orders"). "" drops it.
  const ownerOf = (t: Token): string => {
    const at = tokens.indexOf(t);
    const owned = phrases.find((ph) => tokens.slice(at + 1, at + 3).some((x) => ph.tokens.includes(x)));
    const head = owned?.tokens[owned.tokens.length - 1];
    if (!head || head.sentence !== t.sentence || /[^s]s$/.test(head.lower)) return "";
    return t.lower === "their" ? "their" : "the";
  };
  for (let i = 0; i < tokens.length && out.length < limit; i++) {
    const v = tokens[i]!;
    // The tagger reads a clause-opening "today" as a verb now and then ("…, and today customers …").
    if (v.pos !== "VERB" || isParticipleModifier(v, tokens[i + 1]) || DAY_WORD.test(v.lower)) continue;
    // "flashcards written by professors": a participle right after a noun is passive, not an action.
    const before = tokens[i - 1];
    if (/(?:ed|en)$/.test(v.lower) && before && isNounish(before) && before.sentence === v.sentence) continue;
    // Function verbs ("is", "let", "want") carry no action; common ones like "see" and "get" do.
    if (
      /^(?:be|have|do|say|call|base|name|let|want|need|wish|allow|enable|help|make|like|love|enjoy|hate|prefer|use|build|create|try)$/.test(
        v.lemma,
      )
    )
      continue;
    // "see how many days are left": a count asked about is no action of its own ("leave days").
    if (insideCountQuestion(tokens, i)) continue;
    // "see how many days are left before the next payment": the question is what is seen, whole.
    if (/^how$/.test(tokens[i + 1]?.lower ?? "") && /^(?:many|much)$/.test(tokens[i + 2]?.lower ?? "")) {
      const counted = phrases.find(
        (ph) => ph.tokens.includes(tokens[i + 3]!) && ph.tokens[0]!.sentence === v.sentence,
      );
      let end = i + 3;
      while (
        end + 1 < tokens.length &&
        end - i < 12 &&
        tokens[end + 1]!.sentence === v.sentence &&
        !["PUNCT", "CCONJ"].includes(tokens[end + 1]!.pos)
      )
        end++;
      const words = tokens.slice(i + 1, end + 1);
      const question = [v.lemma, ...words.map((t) => `${t.pre.length ? " " : ""}${t.value}`)].join("").trim();
      const textOut = `${v.lemma} ${counted?.text ?? ""}`.trim();
      if (counted && !seen.has(textOut)) {
        seen.add(textOut);
        out.push({
          verb: v.lemma,
          verbText: v.lower,
          object: counted,
          text: textOut,
          phrase: /[\p{Lu}]/u.test(question.slice(1)) ? question : question.toLowerCase(),
          sentence: v.sentence,
        });
      }
      continue;
    }
    // The object: the first noun phrase within a few words, past determiners, pronouns, particles.
    let j = i + 1;
    while (
      j < tokens.length &&
      j - i <= 4 &&
      tokens[j]!.sentence === v.sentence &&
      // "get five free articles": a count before the object is no object of its own.
      // "ask where their order is": a question word opens a clause, not the object.
      !/^(?:where|when|why|how|whether)$/.test(tokens[j]!.lower) &&
      (["DET", "PRON", "PART", "ADV", "NUM"].includes(tokens[j]!.pos) ||
        (tokens[j]!.pos === "ADP" && j === i + 1 && !saysWhen(tokens, j)))
    )
      j++;
    let object: NounPhrase | undefined;
    // "place new students": a filler adjective the phrase dropped may stand before the object.
    const reach = tokens[j] && (tokens[j]!.filler || tokens[j]!.pos === "ADJ") ? j + 1 : j;
    for (let k = j; k < tokens.length && k <= reach; k++) {
      const p = [...startOf.entries()].find(
        ([start, ph]) => start === tokens[k] || ph.tokens.includes(tokens[k]!),
      )?.[1];
      if (p && p.tokens[0]!.sentence === v.sentence) {
        object = p;
        break;
      }
    }
    // "a collection someone brings in.": the tagger reads a phrasal verb's particle as a noun.
    if (object?.tokens.every((t) => PARTICLE.test(t.lower.replace(/\p{P}+$/u, "")))) object = undefined;
    // "want to know their child arrived safely": the object is the subject of a clause of its own.
    if (object && CLAUSE_VERBS.test(v.lemma)) {
      const after = tokens[tokens.indexOf(object.tokens[object.tokens.length - 1]!) + 1];
      if (
        after?.sentence === v.sentence &&
        (after.pos === "AUX" || (after.pos === "VERB" && !/ing$/.test(after.lower)))
      )
        object = undefined;
    }
    // "sell about 40 a month", "broadcast 18 hours a day": a phrase of units only is a measure, not an object.
    // ("pick another time" keeps its object: no count stands before it).
    if (
      object &&
      !object.tokens.some(isContent) &&
      tokens.slice(i + 1, tokens.indexOf(object.tokens[0]!)).some((t) => t.pos === "NUM")
    )
      object = undefined;
    // "delivered this month", "meets every week": a unit of time with "this", "each" or "next" says when.
    if (object && TIME_UNIT.test(object.head) && object.tokens.length === 1) {
      const det = tokens[tokens.indexOf(object.tokens[0]!) - 1];
      if (det && /^(?:this|that|next|last|each|every|per)$/.test(det.lower)) object = undefined;
    }
    // "send owners a text message", "give buyers their receipt": the plural right after the verb
    // is who receives it; the phrase after the article is what the verb acts on.
    if (object) {
      const end = tokens.indexOf(object.tokens[object.tokens.length - 1]!);
      const article = tokens[end + 1];
      const second = phrases.find((ph) => ph.tokens[0] === tokens[end + 2]);
      // "send the customer a quote": an indefinite article after any receiver; a possessive only
      // after a plural one ("give buyers their receipt", not "update the animal their …").
      const plural = /[^s]s$/.test(object.tokens[object.tokens.length - 1]!.lower);
      if (
        article?.sentence === v.sentence &&
        (/^(?:a|an)$/.test(article.lower) || (plural && /^(?:their|your|his|her)$/.test(article.lower))) &&
        second?.tokens.some(isContent)
      )
        object = second;
    }
    // "post open shifts, temps claim them from their phone": "them" is the last action's object.
    const pronoun = tokens[i + 1];
    const previous = out[out.length - 1];
    const antecedent =
      !object && pronoun && /^(?:them|it)$/.test(pronoun.lower) && previous?.sentence === v.sentence
        ? previous.object
        : undefined;
    let complement: Action["complement"];
    if (object || antecedent) {
      const after = antecedent ? i + 2 : tokens.indexOf(object!.tokens[object!.tokens.length - 1]!) + 1;
      const prep = tokens[after];
      if (prep && prep.pos === "ADP" && prep.sentence === v.sentence) {
        let k = after + 1;
        while (k < tokens.length && ["DET", "PRON"].includes(tokens[k]!.pos)) k++;
        const p = phrases.find((ph) => ph.tokens.includes(tokens[k]!));
        if (p) complement = { preposition: prep.lower, phrase: p };
      }
    }
    // "offer freed slots to patients on the waitlist by text message": up to two more phrases.
    const more: { preposition: string; phrase: NounPhrase }[] = [];
    let tail = complement?.phrase;
    while (tail && more.length < 2) {
      const after = tokens.indexOf(tail.tokens[tail.tokens.length - 1]!) + 1;
      const prep = tokens[after];
      if (!prep || prep.pos !== "ADP" || prep.sentence !== v.sentence) break;
      let k = after + 1;
      while (k < tokens.length && ["DET", "PRON"].includes(tokens[k]!.pos)) k++;
      const p = phrases.find((ph) => ph.tokens[0] === tokens[k]);
      if (!p) break;
      more.push({ preposition: prep.lower, phrase: p });
      tail = p;
    }
    // The subject: the noun phrase that ends right before the verb (past "can", "will", "to").
    let b = i - 1;
    // "the consent form gets signed": a "get" before the participle is its auxiliary.
    const auxiliary = (t: Token) =>
      ["AUX", "PART", "ADV"].includes(t.pos) || (t.lemma === "get" && /(?:ed|en)$/.test(v.lower));
    while (b >= 0 && tokens[b]!.sentence === v.sentence && auxiliary(tokens[b]!)) b--;
    let subject = b >= 0 ? phrases.find((ph) => ph.tokens[ph.tokens.length - 1] === tokens[b]) : undefined;
    // "the hours worked are approved": a participle after the subject's noun belongs to it.
    const trailing =
      !subject && b > 0 && tokens[b]!.pos === "VERB" && /ed$/.test(tokens[b]!.lower) ? tokens[b] : undefined;
    if (trailing) subject = phrases.find((ph) => ph.tokens[ph.tokens.length - 1] === tokens[b - 1]);
    // "blockers are flagged to the team lead": in a passive the phrase before the verb is what is
    // acted on, and the doer, if named, follows "by".
    const passive =
      subject !== undefined &&
      /(?:ed|en|wn|ne|t)$/.test(v.lower) &&
      v.lower !== v.lemma &&
      tokens.slice(b + 1, i).some((t) => /^(?:is|are|was|were|be|been|being|get|gets|got)$/.test(t.lower));
    if (passive && subject) {
      const after = tokens[i + 1];
      const found = object;
      object = subject;
      complement =
        found && after && after.pos === "ADP" && after.sentence === v.sentence
          ? { preposition: after.lower, phrase: found }
          : complement;
      const by = [complement, ...more].find((m) => m?.preposition === "by");
      subject = by?.phrase;
    }
    const lastPhrase = more.length ? more[more.length - 1]!.phrase : complement?.phrase;
    const last = lastPhrase
      ? lastPhrase.tokens[lastPhrase.tokens.length - 1]!
      : antecedent
        ? pronoun!
        : object
          ? object.tokens[object.tokens.length - 1]!
          : v;
    if (antecedent) object = antecedent;
    // "get alerts when a hive swarms": a short condition after the object belongs to the action.
    let endAt = tokens.indexOf(last);
    const cue = tokens[endAt + 1];
    if (
      object &&
      cue &&
      /^(?:when|if|before|after|once|whenever)$/.test(cue.lower) &&
      cue.sentence === v.sentence
    ) {
      let k = endAt + 2;
      while (
        k < tokens.length &&
        k - endAt <= 7 &&
        tokens[k]!.sentence === v.sentence &&
        tokens[k]!.pos !== "PUNCT" &&
        tokens[k]!.pos !== "CCONJ"
      )
        k++;
      if (k - endAt <= 7 && k > endAt + 2) endAt = k - 1;
    }
    const span = tokens.slice(i + 1, endAt + 1).filter((t) => !POSSESSIVE.test(t.lower) || ownerOf(t) !== "");
    // "as soon as a job is closed" → "close a job": the acted-on thing keeps the article it had.
    const preceding = passive && object ? tokens[tokens.indexOf(object.tokens[0]!) - 1] : undefined;
    const det =
      preceding &&
      preceding.sentence === v.sentence &&
      /^(?:a|an|the)$/.test(preceding.lower) &&
      !/[^s]s$/.test(object!.tokens[object!.tokens.length - 1]!.lower)
        ? `${preceding.lower} `
        : preceding && POSSESSIVE.test(preceding.lower)
          ? `${ownerOf(preceding)} `.trimStart()
          : "";
    const acted = passive && object ? [` ${det}${object.text}${trailing ? ` ${trailing.value}` : ""}`] : [];
    const written = (t: Token) =>
      antecedent && t === pronoun ? antecedent.text : POSSESSIVE.test(t.lower) ? ownerOf(t) : t.value;
    const phrase = [v.lemma, ...acted, ...span.map((t) => `${t.pre.length ? " " : ""}${written(t)}`)]
      .join("")
      .replace(/[.,;:!?]+$/, "")
      .replace(/ {2,}/g, " ")
      .replace(/ (?=[,.])/g, "")
      .trim();
    const textOut = [
      v.lemma,
      object?.text,
      complement ? `${complement.preposition} ${complement.phrase.text}` : undefined,
    ]
      .filter(Boolean)
      .join(" ");
    if (!object && v.stop) continue;
    if (seen.has(textOut)) continue;
    seen.add(textOut);
    out.push({
      verb: v.lemma,
      verbText: v.lower,
      ...(object ? { object } : {}),
      ...(complement ? { complement } : {}),
      ...(more.length ? { more } : {}),
      ...(subject ? { subject } : {}),
      ...(passive ? { passive: true as const } : {}),
      text: textOut,
      phrase: /[\p{Lu}]/u.test(phrase.slice(1)) ? phrase : phrase.toLowerCase(),
      sentence: v.sentence,
    });
  }
  return out;
}

interface Scored {
  concept: Concept;
  stem: string;
  score: number;
  first: number;
}

/**
 * The idea's key concepts, most important first: the objects users act on weigh most, then the
 * actions, then the other nouns; a concept is one stem ("cancel" covers "cancellation"), so no two
 * say the same thing. Non-English text falls back to the client's own content words.
 */
export function keyConcepts(text: string, limit = 8): Concept[] {
  const clean = stripMarkup(text);
  const language = detectLanguage(clean);
  if (language.code !== "en" && language.confident) return foreignConcepts(clean, language.code, limit);
  const tokens = analyse(clean);
  const byStem = new Map<string, Scored>();
  const bump = (lemma: string, phrase: string, weight: number, position: number) => {
    const stem = stemWord(lemma);
    if (stem.length < 2) return;
    const s = byStem.get(stem);
    if (s) {
      s.score += weight;
      // Prefer the longer, more specific phrase for display.
      if (phrase.split(" ").length > s.concept.phrase.split(" ").length && phrase.length <= 40)
        s.concept.phrase = phrase;
    } else byStem.set(stem, { concept: { lemma, phrase }, stem, score: weight, first: position });
  };
  const position = (t: Token) => tokens.indexOf(t) / Math.max(1, tokens.length);

  const acts = actions(clean, 20);
  for (const a of acts) {
    const verbToken = tokens.find((t) => t.lemma === a.verb && t.pos === "VERB");
    const p = verbToken ? position(verbToken) : 1;
    if (a.object) {
      if (!verbToken?.stop) bump(a.verb, `${a.verb} ${a.object.text}`, 2, p);
      for (const t of a.object.tokens)
        if (isContent(t)) bump(t.lemma, a.object.text, isNounish(t) ? 3 : 2, p);
    }
    for (const c of [...(a.complement ? [a.complement] : []), ...(a.more ?? [])]) {
      for (const t of c.phrase.tokens)
        if (isContent(t)) bump(t.lemma, c.phrase.text, isNounish(t) ? 2.5 : 1.5, p);
    }
  }
  for (const np of nounPhrasesOf(tokens)) {
    for (const t of np.tokens) {
      if (!isContent(t)) continue;
      bump(
        t.lemma,
        t === np.tokens[np.tokens.length - 1] || np.tokens.length === 1 ? np.text : np.text,
        isNounish(t) ? 1 : 0.5,
        position(t),
      );
    }
  }
  for (const t of tokens) {
    if (t.pos === "VERB" && isContent(t) && !isParticipleModifier(t, tokens[tokens.indexOf(t) + 1]))
      bump(t.lemma, t.lemma, 0.5, position(t));
  }
  return [...byStem.values()]
    .sort((a, b) => b.score - a.score || a.first - b.first || a.concept.lemma.localeCompare(b.concept.lemma))
    .slice(0, limit)
    .map((s) => s.concept);
}

function foreignConcepts(text: string, code: string, limit: number): Concept[] {
  const stop = foreignStopwords(code);
  const counts = new Map<string, { phrase: string; count: number; first: number }>();
  tokenize(text).forEach((w, i) => {
    if (w.length < 4 || stop.has(w) || /^\d/.test(w)) return;
    const c = counts.get(w);
    if (c) c.count++;
    else counts.set(w, { phrase: w, count: 1, first: i });
  });
  return [...counts.entries()]
    .sort((a, b) => b[1].count - a[1].count || b[0].length - a[0].length || a[1].first - b[1].first)
    .slice(0, limit)
    .map(([w, c]) => ({ lemma: w, phrase: c.phrase }));
}

/** Lower-case lemmas of the content words of `text`, in order, with repeats. */
export function lemmas(text: string): string[] {
  return analyse(stripMarkup(text))
    .filter(isContent)
    .map((t) => t.lemma);
}

/** Stems of every word in `text` (content or not), for mention checks. */
export function stemsOf(text: string): Set<string> {
  const out = new Set<string>();
  const tokens = analyse(stripMarkup(text));
  tokens.forEach((t, i) => {
    const [prev, next] = [tokens[i - 1], tokens[i + 1]];
    // Hyphenated spellings: "wait-list" and "waitlist" meet.
    if (t.value === "-" && prev && next && t.pre === "" && next.pre === "")
      out.add(stemWord(`${prev.lower}${next.lower}`));
  });
  for (const t of tokens) {
    if (!/\p{L}/u.test(t.value)) continue;
    out.add(t.stem);
    out.add(t.lemma);
    out.add(t.lower);
    if (t.lower.includes("-")) out.add(stemWord(t.lower.replace(/-/g, "")));
  }
  return out;
}

/** Whether `text` contains the concept by lemma, in any inflection or derivation of its head word. */
export function mentions(text: string, concept: Concept): boolean {
  const stems = stemsOf(text);
  const lemma = concept.lemma.toLowerCase();
  return stems.has(lemma) || stems.has(stemWord(lemma));
}

const WORDS = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;

/**
 * `text` with every run of at least `minWords` consecutive words that also appears, in the same
 * order, in `source` removed: what is left is what the writer added beyond quoting the client.
 */
export function withoutQuotedRuns(text: string, source: string, minWords = 4): string {
  const n = Math.max(1, Math.floor(minWords));
  const norm = (w: string) => w.toLowerCase().replace(/’/g, "'");
  const sourceWords = (source.match(WORDS) ?? []).map(norm);
  const grams = new Set<string>();
  for (let i = 0; i + n <= sourceWords.length; i++) grams.add(sourceWords.slice(i, i + n).join(" "));
  const words = [...text.matchAll(WORDS)].map((m) => ({
    word: norm(m[0]),
    start: m.index,
    end: m.index + m[0].length,
  }));
  const drop = new Array<boolean>(words.length).fill(false);
  for (let i = 0; i + n <= words.length; i++) {
    const gram = words
      .slice(i, i + n)
      .map((w) => w.word)
      .join(" ");
    if (grams.has(gram)) for (let k = i; k < i + n; k++) drop[k] = true;
  }
  let out = "";
  let cursor = 0;
  words.forEach((w, i) => {
    if (!drop[i]) return;
    out += text.slice(cursor, w.start);
    cursor = w.end;
  });
  out += text.slice(cursor);
  return out.replace(/[ \t]{2,}/g, " ").trim();
}
