import { describe, expect, it } from "vitest";
import { requireSector } from "../kb.ts";
import { anIntake } from "../testing/builders.ts";
import { draftBrief } from "./brief.ts";
import { counterpartsOf } from "./counterparts.ts";

const names = (idea: string, sector = "saas") =>
  draftBrief(anIntake({ idea, goals: undefined }), requireSector(sector)).keyFeatures.map((f) => f.name);
const descriptions = (idea: string, sector = "saas") =>
  draftBrief(anIntake({ idea, goals: undefined }), requireSector(sector)).keyFeatures.map(
    (f) => f.description,
  );

describe("counterparts of a short idea", () => {
  it("when a one-sentence idea books a person and pays, then the booking is confirmed or cancelled and the payment gets a receipt", () => {
    const idea = "Book a piano tuner for an hour and pay by card.";
    expect(names(idea, "hospitality")).toEqual(
      expect.arrayContaining(["Confirm or cancel a booking", "Get a receipt for each payment"]),
    );
    expect(descriptions(idea, "hospitality")).toContain(
      "Early users can get each booking with the piano tuner confirmed, or cancel it.",
    );
  });

  it("when neighbours lend things and rate them, then returns are tracked and each neighbour has a profile with ratings", () => {
    const found = names("Neighbours lend each other power drills and rate how they come back.", "ecommerce");
    expect(found).toEqual(
      expect.arrayContaining(["Track returns and due dates", "See each neighbour's profile and ratings"]),
    );
    // Lending between neighbours is no sale: nobody is paid out.
    expect(found.some((n) => /paid|payment/i.test(n))).toBe(false);
  });

  it("when people sell or rent out a thing, then they are paid out, in the idea's own nouns and with its sellers", () => {
    expect(counterpartsOf("Rent out your spare garage to people who need storage.", 3)[0]).toMatchObject({
      name: "Get paid out for each rental",
      action: "set a price for the spare garage and get paid out for each rental",
    });
    const sold = counterpartsOf("Home bakers sell birthday cakes to their neighbours, no delivery fees.", 3);
    expect(sold.map((c) => c.name)).toEqual(["Get paid out for each sale"]);
    expect(sold[0]!.who).toBe("Home bakers");
  });

  it("when the idea offers lessons or classes, then progress or a timetable follows, named after them", () => {
    expect(counterpartsOf("Weekly guitar lessons for teenagers.", 3)).toContainEqual(
      expect.objectContaining({
        name: "Follow progress and results",
        action: "follow progress and results in the weekly guitar lessons",
      }),
    );
    expect(
      counterpartsOf("Pottery classes in a shared studio, paid per visit.", 3).map((c) => c.name),
    ).toContain("See the pottery class timetable and book a place");
  });

  it("when the idea swaps, asks, signs up or splits, then the natural next step follows", () => {
    expect(counterpartsOf("Swap board games with families on your street.", 3)[0]!.action).toBe(
      "propose a swap of the board games and accept or decline the offers they get",
    );
    expect(counterpartsOf("Ask a vet a question by video.", 3).map((c) => c.name)).toContain(
      "Follow the status of each question",
    );
    expect(counterpartsOf("Parents sign up for the school bake sale rota.", 3).map((c) => c.name)).toContain(
      "Get a confirmation and a reminder",
    );
    expect(counterpartsOf("Split the cost of a holiday cottage between friends.", 3)[0]!.name).toBe(
      "See who owes what and settle up",
    );
  });

  it("when someone comes to the client or a test is taken, then the visit is booked and the results are shown", () => {
    const found = counterpartsOf("An optician comes to care homes to do eye tests.", 3);
    expect(found.map((c) => c.name)).toEqual(["Book a visit at a time that suits", "See the results"]);
    // The visited book the visit, not the optician.
    expect(found[0]!.who).toBeUndefined();
    expect(found[1]!.action).toBe("see the results of the eye tests as soon as they are ready");
    // Friends coming over is no visit to book.
    expect(counterpartsOf("Friends come over for board game nights.", 3)).toEqual([]);
  });

  it("when the idea already says the counterpart or rules the thing out, then nothing is added for it", () => {
    // The client names the cancellation and says there are no fees.
    const found = counterpartsOf("Book a rowing boat and cancel it up to a day before, free of charge.", 3);
    expect(found.map((c) => c.name)).toEqual([]);
    expect(counterpartsOf("A gig guide with no booking fees.", 3)).toEqual([]);
    // "in the app": the filler word's lemma ("application") is no cue.
    expect(counterpartsOf("Photos of the day in the app.", 3)).toEqual([]);
  });

  it("when a long idea names many things but few actions, then its own things come before anything implied", () => {
    const idea =
      "A sailing club of 40 members: we need a season calendar of races with the crew for each boat, a sign-up sheet for the safety boat rota, and a shared kitty for fuel that everyone pays into.";
    const found = names(idea, "fitness");
    expect(
      found.some((n) => /^(?:Get a receipt|Pay online|Get a confirmation|Confirm or cancel)/.test(n)),
    ).toBe(false);
  });

  it("when a long idea names many features itself, then no counterpart is added to them", () => {
    const idea =
      "Dog owners book vetted walkers for a time slot, track walks live on a map, pay by card after each walk, rate the walker and rebook their favourite with one tap.";
    const found = names(idea, "ecommerce");
    expect(
      found.some((n) => /^(?:Confirm or cancel|Get a receipt|Pay online|See each .*profile)/.test(n)),
    ).toBe(false);
  });
});
