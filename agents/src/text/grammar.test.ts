import { describe, expect, it } from "vitest";
import { grammarFindings } from "./grammar.ts";

const rules = (s: string, nouns: string[] = []) => grammarFindings(s, nouns).map((f) => f.rule);

describe("grammarFindings", () => {
  it.each([
    ["Tenant have no simple way to pay rent.", "agreement"],
    ["Small clinics has no simple way to book.", "agreement"],
    ["Meet SlotPilot, built for patient.", "bare-singular"],
    ["They get a offer by text message.", "article"],
    ["Clinics can add an waitlist entry.", "article"],
    ["Clinics can see the the waitlist.", "doubled-word"],
    ["Clinics can see undefined slots.", "leftover"],
  ])("when the sentence is %j, then it is flagged for %s", (sentence, rule) => {
    expect(rules(sentence)).toContain(rule);
  });

  it("when a noun phrase follows 'a way to', then a verb is expected", () => {
    expect(rules("Needs a quick, reliable way to team workspace.", ["Team workspace"])).toContain(
      "verb-expected",
    );
    expect(rules("Needs a quick, reliable way to use the team workspace.", ["Team workspace"])).toEqual([]);
  });

  it.each([
    "Small clinics have no simple, dedicated way to fill cancelled slots from a waitlist.",
    "The front desk can confirm offers by text message.",
    "Tenants have no simple way to report repairs with photos.",
    "Meet SlotPilot, built for small clinics.",
    "We will bring the plan and an open question.",
    "A 57-second walkthrough of how small clinics can fill cancelled slots from a waitlist.",
  ])("when the sentence is %j, then nothing is flagged", (sentence) => {
    expect(grammarFindings(sentence)).toEqual([]);
  });

  it("when a known name that the tagger splits (7shifts) is the subject, then its number is not judged", () => {
    expect(grammarFindings("7shifts is the closest reference (score 5).", [], ["7shifts"])).toEqual([]);
    expect(rules("Shifts is the closest reference.")).toContain("agreement");
  });

  it("when the client wrote a doubled word ('boda boda'), then the drafts may repeat it, and only that word", () => {
    const clientText = "Loans for boda boda riders, repaid by USSD.";
    expect(grammarFindings("Riders can apply for a boda boda loan.", [], [], { clientText })).toEqual([]);
    expect(rules("Riders can apply for a boda boda loan.")).toContain("doubled-word");
    expect(
      grammarFindings("Riders can see the the loan.", [], [], { clientText }).map((f) => f.rule),
    ).toContain("doubled-word");
    // 'bod boda' or 'boda' alone in the client's text does not license the doubled pair.
    expect(
      grammarFindings("Riders can apply for a boda boda loan.", [], [], { clientText: "A boda rider." }).map(
        (f) => f.rule,
      ),
    ).toContain("doubled-word");
  });
});
