import { describe, expect, it } from "vitest";
import { joinList, slugify, splitItems, titleCase, tokenize } from "./format.ts";

describe("format helpers", () => {
  it("when text has punctuation and case, then tokens are lower-case words only", () => {
    expect(tokenize("Book vetted walkers, track walks!")).toEqual([
      "book",
      "vetted",
      "walkers",
      "track",
      "walks",
    ]);
  });

  it("when goals are separated by lines and semicolons, then each is an item and percentages survive", () => {
    expect(splitItems("Reach 500 users; 30% repeat bookings\n- Launch in Berlin")).toEqual([
      "Reach 500 users",
      "30% repeat bookings",
      "Launch in Berlin",
    ]);
  });

  it("when a slug is too long, then it is cut at a word boundary", () => {
    expect(slugify("Find Reliable Walkers at Short Notice", 32)).toBe("find-reliable-walkers-at-short");
  });

  it("when a title starts with a small word, then that word is still capitalised", () => {
    expect(titleCase("for the waitlist of a clinic")).toBe("For the Waitlist of a Clinic");
  });

  it("when a list has three items, then the last is joined with and", () => {
    expect(joinList(["a", "b", "c"])).toBe("a, b and c");
    expect(joinList(["a"])).toBe("a");
  });
});
