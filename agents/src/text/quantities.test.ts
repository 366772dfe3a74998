import { describe, expect, it } from "vitest";
import { parseBudget, parseTimeline } from "./quantities.ts";

describe("parseBudget", () => {
  it.each([
    ["40.000 €", { currency: "EUR", min: 40_000, max: 40_000 }],
    ["€12.000", { currency: "EUR", min: 12_000, max: 12_000 }],
    ["$60k-80k", { currency: "USD", min: 60_000, max: 80_000 }],
    ["25000 USD", { currency: "USD", min: 25_000, max: 25_000 }],
    ["$20k", { currency: "USD", min: 20_000, max: 20_000 }],
    ["€15,000-25,000", { currency: "EUR", min: 15_000, max: 25_000 }],
    ["between 10k and 20k EUR", { currency: "EUR", min: 10_000, max: 20_000 }],
    ["under £5k", { currency: "GBP", min: 0, max: 5_000 }],
    ["10-20k", { min: 10_000, max: 20_000 }],
    ["12,5k €", { currency: "EUR", min: 12_500, max: 12_500 }],
  ])("when the budget is %s, then it reads as an amount range", (raw, expected) => {
    expect(parseBudget(raw)).toMatchObject({ raw, ...expected });
  });

  it.each(["flexible", "let's talk", "1.2.3 €"])("when the budget is %j, then no amount is read", (raw) => {
    const money = parseBudget(raw);
    expect(money.min).toBeUndefined();
    expect(money.max).toBeUndefined();
  });
});

describe("parseTimeline", () => {
  it.each([
    ["12 weeks", 12],
    ["3 months", 13],
    ["2-3 months", 13],
    ["6 wks", 6],
    ["1 year", 52],
    ["6 Monate", 26],
    ["8 Wochen", 8],
    ["ASAP", 4],
  ])("when the timeline is %s, then it is %i weeks", (raw, weeks) => {
    expect(parseTimeline(raw).weeks).toBe(weeks);
  });

  it.each([
    ["Q3", "end of Q3"],
    ["before September", "before September"],
    ["by end of Q1 2027", "end of Q1 2027"],
  ])("when the timeline is %s, then it is the deadline %j with no invented duration", (raw, deadline) => {
    expect(parseTimeline(raw)).toEqual({ raw, deadline });
  });

  it("when the timeline has no duration or date, then neither is guessed", () => {
    expect(parseTimeline("by spring")).toEqual({ raw: "by spring" });
    expect(parseTimeline("3 sprints")).toEqual({ raw: "3 sprints" });
  });
});
