/**
 * Sentences of prose for extractive work (summaries, a post's lead sentence): paragraphs stay
 * apart, and common abbreviations ("e.g.", "Dr.") do not end a sentence.
 */

const ABBREVIATIONS = /\b(?:e\.g|i\.e|etc|vs|mr|mrs|ms|dr|prof|inc|ltd|no|fig|approx)\.$/i;

export function splitSentences(text: string): string[] {
  const out: string[] = [];
  for (const paragraph of text.split(/\n\s*\n/)) {
    let current = "";
    const pieces = paragraph.replace(/\s+/g, " ").split(/(?<=[.!?…])\s+(?=["'“([]?[\p{Lu}\p{N}])/u);
    for (const piece of pieces) {
      current = current ? `${current} ${piece}` : piece;
      if (!ABBREVIATIONS.test(current)) {
        out.push(current.trim());
        current = "";
      }
    }
    if (current.trim()) out.push(current.trim());
  }
  return out.filter((s) => s.length > 0);
}
