import { describe, expect, it } from "vitest";
import { namedConstraints } from "../quality/relevance.ts";
import type { Feature } from "../schemas.ts";
import { withoutQuotedRuns } from "../text/index.ts";
import { anIntake } from "../testing/builders.ts";
import { coverIdea } from "./coverage.ts";
import { readIdea } from "./idea.ts";

const IDEA =
  "Food banks plan volunteer shifts for sorting and delivery, track the stock of donated food by expiry date, and see how many parcels each week's stock can make up. The office exports totals to Xero and the app must work offline.";

function feature(name: string, description: string): Feature {
  return {
    id: name.toLowerCase().replace(/\W+/g, "-"),
    name,
    description,
    screen: "list",
    source: "idea",
    keywords: [],
  };
}

const features = [
  feature("Plan volunteer shifts", "Food banks can plan volunteer shifts."),
  feature("Track donated stock", "Food banks can track donated stock."),
  feature("See parcels", "Food banks can see parcels."),
];

describe("coverIdea", () => {
  it("when the features leave out things the idea names, then descriptions name them in words of ours", () => {
    const intake = anIntake({ idea: IDEA, goals: undefined });
    const covered = coverIdea(features, readIdea(intake), IDEA, namedConstraints(intake));
    const own = covered.map((f) => withoutQuotedRuns(`${f.name}. ${f.description}`, IDEA)).join(" ");
    expect(own).toMatch(/expiry date/);
    expect(own).toMatch(/It connects to Xero\./);
    expect(own).toMatch(/It keeps working offline\./);
    // Names and descriptions drafted before stay as they were, each first sentence intact.
    covered.forEach((f, i) => expect(f.description.startsWith(features[i]!.description)).toBe(true));
  });

  it("when every thing the idea names is in a feature already, then nothing is added", () => {
    const idea = "Parents book tutors.";
    const intake = anIntake({ idea, goals: undefined });
    const mine = [
      feature("Book tutors", "Parents can reserve the tutors."),
      feature("See tutors", "Parents can see tutors."),
      feature("Rate tutors", "Parents can rate tutors."),
    ];
    expect(coverIdea(mine, readIdea(intake), idea, namedConstraints(intake))).toEqual(mine);
  });

  it("when the idea gives its things states, then a description names them in a sentence of ours", () => {
    const idea =
      "Members pay their dues into the kitty each month, and the treasurer sees who has paid and who is late.";
    const reading = readIdea(anIntake({ idea }));
    const out = coverIdea([feature("Collect dues", "Treasurers can collect dues.")], reading, idea, []);
    const own = withoutQuotedRuns(out[0]!.description, idea);
    expect(own).toMatch(/It marks each one as (?:paid or late|late)\./);
  });

  it("when a possessive phrase is listed, then its owner's 's never stands alone", () => {
    const idea =
      "Payouts go straight to the recipient's bank account and a weekly digest goes to the organiser.";
    const reading = readIdea(anIntake({ idea }));
    const out = coverIdea([feature("Send payouts", "Organisers can send payouts.")], reading, idea, []);
    expect(out[0]!.description).not.toMatch(/\bthe s\b|\bs bank/);
  });

  it("when the idea names a thing of a thing ('proof of delivery'), then it is listed whole", () => {
    const idea = "Couriers scan each parcel at the door and the sender gets a proof of delivery by email.";
    const reading = readIdea(anIntake({ idea }));
    const out = coverIdea([feature("Scan parcels", "Couriers can scan parcels.")], reading, idea, []);
    expect(out[0]!.description).toContain("the proof of delivery");
  });

  it("when the idea judges its situation ('it is slow'), then no state is made of the judgement", () => {
    const idea =
      "Today the rota lives on paper, it is slow and mistakes are common. Volunteers swap shifts and the coordinator sees who is late.";
    const reading = readIdea(anIntake({ idea }));
    const out = coverIdea([feature("Swap shifts", "Volunteers can swap shifts.")], reading, idea, []);
    expect(out[0]!.description).not.toMatch(/as [^.]*(?:slow|common)/);
    expect(out[0]!.description).toMatch(/It marks each one as late\./);
  });
});
