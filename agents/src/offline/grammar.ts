/**
 * The little grammar the templates need: plural subjects, verb agreement and plurals of nouns,
 * decided from the tagger's lemmas rather than guessed from a trailing "s".
 */
import { type Token, analyse } from "../text/index.ts";

const COLLECTIVE_PLURAL = /^(?:people|staff|police|children|kids|men|women|folks|everyone's)$/;

export function isPlural(token: Token): boolean {
  if (COLLECTIVE_PLURAL.test(token.lower)) return true;
  return token.lower !== token.lemma && /s$/.test(token.lower) && !/ss$/.test(token.lower);
}

/** Whether a subject phrase ("small clinics", "the front desk") takes a plural verb. */
export function subjectIsPlural(phrase: string): boolean {
  const tokens = analyse(phrase).filter((t) => /\p{L}/u.test(t.value));
  if (tokens.some((t) => t.lower === "and")) return true;
  const head =
    [...tokens].reverse().find((t) => t.pos === "NOUN" || t.pos === "PROPN") ?? tokens[tokens.length - 1];
  return head ? isPlural(head) : false;
}

/** The singular or plural form that agrees with `subject`. */
export function agree(subject: string, singular: string, plural: string): string {
  return subjectIsPlural(subject) ? plural : singular;
}

/** English plural of the last word of a phrase: "slot" → "slots", "entry" → "entries". */
export function pluralOf(phrase: string): string {
  return phrase.replace(/(\p{L}+)$/u, (w) => {
    if (/(?:s|x|z|ch|sh)$/i.test(w)) return `${w}es`;
    if (/[^aeiou]y$/i.test(w)) return `${w.slice(0, -1)}ies`;
    return `${w}s`;
  });
}

/**
 * Who the product is for, as a phrase that reads after "for" or as a plural subject: the client's
 * own words ("small clinics", "the front desk"), or a sector persona role made plural
 * ("clinic managers", never "built for clinic manager").
 */
export function audienceOf(brief: { targetUsers: { name: string; source: "idea" | "kb" }[] }): string {
  const first = brief.targetUsers[0];
  if (!first) return "early users";
  const lower = /^\p{Lu}{2,}/u.test(first.name)
    ? first.name
    : first.name.charAt(0).toLowerCase() + first.name.slice(1);
  return first.source === "kb" ? pluralOf(lower) : lower;
}

/** Who a drafted feature is for, read back from its description ("The front desk can …"). */
export function actorOf(feature: { description: string }, fallback: string): string {
  const m = /^(.+?) can /.exec(feature.description);
  if (!m?.[1]) return fallback;
  const who = m[1];
  return /^\p{Lu}{2,}/u.test(who) ? who : who.charAt(0).toLowerCase() + who.slice(1);
}
