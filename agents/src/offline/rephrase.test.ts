import { describe, expect, it } from "vitest";
import { withoutQuotedRuns } from "../text/index.ts";
import { ownWords } from "./rephrase.ts";

const REPAIR =
  "Tenants report a repair with photos, the landlord gets quotes from local contractors, picks one, and the tenant is told when the contractor will come.";

describe("ownWords", () => {
  it("when a phrase quotes four of the client's words in a row, then a determiner change keeps it whole", () => {
    const phrase = "get quotes from local contractors";
    expect(withoutQuotedRuns(phrase, REPAIR)).toBe("get");
    const own = ownWords(phrase, REPAIR);
    expect(own).toBe("get the quotes from the local contractors");
    expect(withoutQuotedRuns(own, REPAIR)).toBe(own);
  });

  it("when an indefinite article sits inside the quoted run, then it becomes definite", () => {
    expect(ownWords("report a repair with photos", REPAIR)).toBe("report the repair with photos");
  });

  it("when the phrase quotes nothing, then it is returned unchanged", () => {
    expect(ownWords("offer freed slots to the waitlist", REPAIR)).toBe("offer freed slots to the waitlist");
  });

  it("when no determiner change can break the run, then the phrase is kept as written", () => {
    const source = "drivers record litres collected today";
    expect(ownWords("record litres collected today", source)).toBe("record litres collected today");
  });
});
