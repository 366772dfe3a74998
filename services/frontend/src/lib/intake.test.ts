/**
 * The portal's intake rules against the API's own schema: for each case both must agree on which
 * fields are wrong, so the inline errors never contradict what the API would answer.
 */
import { describe, expect, it } from "vitest";
import { listSectors } from "@roboagency/agents";
import { fieldErrors, intakeSchema } from "@roboagency/contracts";
import { emptyIntake, firstStepWithError, intakeBody, validateIntake, type IntakeValues } from "./intake.ts";

const sectorIds = listSectors().map((s) => s.id);
const valid: IntakeValues = {
  ...emptyIntake(),
  sector: "saas",
  email: "ada@example.com",
  idea: "A scheduling assistant for small clinics that fills cancelled slots.",
};

const cases: Array<[string, Partial<IntakeValues>]> = [
  ["a complete intake", {}],
  ["no email", { email: "" }],
  ["an email without a domain", { email: "ada@" }],
  ["an email with a dotted start", { email: ".ada@example.com" }],
  ["an email with a plus", { email: "ada+portal@example.co.uk" }],
  ["an email with spaces around", { email: "  ada@example.com  " }],
  ["an email with a one-letter TLD", { email: "ada@example.c" }],
  ["an email of 255 characters", { email: `${"a".repeat(243)}@example.com` }],
  ["an unknown sector", { sector: "space-mining" }],
  ["no sector", { sector: "" }],
  ["a 19-character idea", { idea: "x".repeat(19) }],
  ["a 20-character idea padded with spaces", { idea: `   ${"x".repeat(20)}   ` }],
  ["a 4001-character idea", { idea: "x".repeat(4001) }],
  ["a 201-character name", { name: "n".repeat(201) }],
  ["a 2001-character goal", { goals: "g".repeat(2001) }],
  ["a 201-character budget and timeline", { budget: "b".repeat(201), timeline: "t".repeat(201) }],
  ["a 200-character company", { company: "c".repeat(200) }],
];

describe("intake validation", () => {
  for (const [name, overrides] of cases) {
    it(`when the intake has ${name}, then the portal and the API name the same bad fields`, () => {
      const values = { ...valid, ...overrides };
      const portal = Object.keys(validateIntake(values, sectorIds)).sort();
      const parsed = intakeSchema(sectorIds, 4000).safeParse(intakeBody(values));
      const api = parsed.success ? [] : [...new Set(fieldErrors(parsed.error).map((f) => f.field))].sort();
      expect(portal).toEqual(api);
    });
  }

  it("when fields are wrong, then the form opens at the first step holding one", () => {
    expect(firstStepWithError({ idea: "x" })).toBe(2);
    expect(firstStepWithError({ timeline: "x", email: "y" })).toBe(1);
    expect(firstStepWithError({})).toBe(0);
  });

  it("when optional fields are blank, then the body sent to the API leaves them out", () => {
    expect(intakeBody({ ...valid, name: "  ", goals: " Grow " })).toEqual({
      sector: "saas",
      email: "ada@example.com",
      idea: valid.idea,
      goals: "Grow",
    });
  });
});
