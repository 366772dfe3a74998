/**
 * The text toolkit: one English NLP model (wink-nlp), language detection (tinyld), concepts,
 * actions, quoting checks, quantities and the hash every deterministic choice is seeded with.
 */
export { analyse, isContent, stemWord, type Pos, type Token } from "./analyse.ts";
export {
  actions,
  keyConcepts,
  lemmas,
  mentions,
  nounPhrases,
  stemsOf,
  withoutQuotedRuns,
  type Action,
  type Concept,
  type NounPhrase,
} from "./concepts.ts";
export {
  article,
  joinList,
  sentenceCase,
  slugify,
  splitItems,
  stripMarkup,
  titleCase,
  tokenize,
  withArticle,
} from "./format.ts";
export { stableHash, pick } from "./hash.ts";
export {
  detectLanguage,
  englishCognate,
  foreignNounPhrases,
  foreignStopwords,
  isForeignAdjective,
  isForeignFunctionWord,
  isForeignVerbForm,
  type ForeignPhrase,
  type Language,
} from "./language.ts";
export { parseBudget, parseTimeline, type Money, type Timeline } from "./quantities.ts";
export { isStopword, contentWords } from "./stopwords.ts";
export { grammarFindings, grammarReport, sentences, type GrammarFinding } from "./grammar.ts";
