import { describe, expect, it } from "vitest";
import {
  actionClauses,
  audiencePhrases,
  keyPhrases,
  parseBudget,
  parseTimeline,
  slugify,
  splitItems,
  stem,
  tokenize,
} from "./nlp.ts";

describe("tokenize and stem", () => {
  it("when text has punctuation and case, then tokens are lower-case words only", () => {
    expect(tokenize("Book vetted walkers, track walks!")).toEqual([
      "book",
      "vetted",
      "walkers",
      "track",
      "walks",
    ]);
  });

  it("when words differ only by plural, then they stem alike", () => {
    expect(stem("walkers")).toBe(stem("walker"));
    expect(stem("categories")).toBe("category");
    expect(stem("business")).toBe("business");
  });
});

describe("keyPhrases", () => {
  it("when the idea has content words, then multi-word phrases outrank single words", () => {
    const phrases = keyPhrases("Owners struggle to find reliable walkers at short notice for their dogs.");
    expect(phrases[0]?.phrase.split(" ").length).toBeGreaterThan(1);
    expect(phrases.map((p) => p.phrase)).not.toContain("to");
  });

  it("when a word is in the sector vocabulary, then it scores higher than an equal word outside it", () => {
    const plain = keyPhrases("invoice. banana.");
    const boosted = keyPhrases("invoice. banana.", ["invoice"]);
    const score = (list: typeof plain, p: string) => list.find((x) => x.phrase === p)?.score ?? 0;
    expect(score(boosted, "invoice")).toBeGreaterThan(score(plain, "invoice"));
    expect(score(boosted, "banana")).toBe(score(plain, "banana"));
  });

  it("when the idea contains markup and URLs, then none of it becomes a key phrase", () => {
    const phrases = keyPhrases("Track parcels <script>alert(1)</script> see https://evil.example/x").map(
      (p) => p.phrase,
    );
    expect(phrases.join(" ")).not.toMatch(/script|https|evil/);
  });
});

describe("actionClauses", () => {
  it("when a sentence lists what users do, then each verb-led clause is a separate item", () => {
    const clauses = actionClauses(
      "An app that lets busy dog owners book vetted walkers, track walks on a live map and pay in-app.",
    );
    expect(clauses.map((c) => c.text)).toEqual([
      "book vetted walkers",
      "track walks on a live map",
      "pay in-app",
    ]);
    expect(clauses.map((c) => c.screen)).toEqual(["form", "dashboard", "form"]);
  });

  it("when there is no action verb, then no clause is invented", () => {
    expect(actionClauses("A calm blue place.")).toEqual([]);
  });
});

describe("audiencePhrases", () => {
  it("when the idea says who it is for, then that group is extracted without trailing clauses", () => {
    expect(audiencePhrases("A tool for freelance designers to send invoices.")).toEqual([
      "freelance designers",
    ]);
    expect(audiencePhrases("Booking for small physiotherapy practices: patients pick a slot")).toContain(
      "small physiotherapy practices",
    );
  });

  it(`when "for" belongs to a verb or names a thing, then it is not taken as an audience`, () => {
    expect(audiencePhrases("Volunteers sign up for shifts and cafes take pre-orders for pickup.")).toEqual(
      [],
    );
  });
});

describe("parseBudget", () => {
  it.each([
    ["$20k", { currency: "USD", min: 20_000, max: 20_000 }],
    ["€15,000-25,000", { currency: "EUR", min: 15_000, max: 25_000 }],
    ["between 10k and 20k EUR", { currency: "EUR", min: 10_000, max: 20_000 }],
    ["under £5k", { currency: "GBP", min: 0, max: 5_000 }],
    ["10-20k", { min: 10_000, max: 20_000 }],
  ])("when the budget is %s, then it reads as an amount range", (raw, expected) => {
    expect(parseBudget(raw)).toMatchObject({ raw, ...expected });
  });

  it("when the budget has no number, then only the raw text is kept", () => {
    expect(parseBudget("flexible")).toEqual({ raw: "flexible" });
  });
});

describe("parseTimeline", () => {
  it.each([
    ["12 weeks", 12],
    ["3 months", 13],
    ["2-3 months", 13],
    ["6 wks", 6],
    ["1 year", 52],
    ["ASAP", 4],
  ])("when the timeline is %s, then it is %i weeks", (raw, weeks) => {
    expect(parseTimeline(raw).weeks).toBe(weeks);
  });

  it("when the timeline has no duration, then weeks stay unknown", () => {
    expect(parseTimeline("by spring").weeks).toBeUndefined();
  });
});

describe("splitItems and slugify", () => {
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
});
