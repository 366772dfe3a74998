import { describe, expect, it } from "vitest";
import { splitSentences } from "./split-sentences.ts";

describe("text: splitting sentences", () => {
  it("when sentences are split, then abbreviations do not end a sentence", () => {
    expect(splitSentences("Use tools, e.g. Prometheus. It works! Does it? Yes.")).toEqual([
      "Use tools, e.g. Prometheus.",
      "It works!",
      "Does it?",
      "Yes.",
    ]);
  });

  it("when a paragraph ends without punctuation, then the next paragraph is a sentence of its own", () => {
    expect(splitSentences("First part without a stop\n\nSecond part. Third")).toEqual([
      "First part without a stop",
      "Second part.",
      "Third",
    ]);
  });
});
