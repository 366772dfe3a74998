import { describe, expect, it } from "vitest";
import { actions, keyConcepts, lemmas, mentions, nounPhrases, withoutQuotedRuns } from "./concepts.ts";

const CLINIC = "A scheduling assistant for small clinics that fills cancelled slots from a waitlist";

describe("keyConcepts", () => {
  it("when the idea is the README's clinic example, then waitlist, cancel and slot lead its concepts", () => {
    const concepts = keyConcepts(CLINIC, 5).map((c) => c.lemma);
    expect(concepts).toEqual(expect.arrayContaining(["waitlist", "cancel", "slot"]));
    expect(keyConcepts(CLINIC)).toContainEqual({ lemma: "cancel", phrase: "cancelled slots" });
  });

  it("when the idea is full of function and filler words, then none of them is a concept", () => {
    const lemmasOut = keyConcepts(
      "It is an app that lets users easily do things with the platform online.",
    ).map((c) => c.lemma);
    for (const stop of [
      "it",
      "an",
      "app",
      "that",
      "let",
      "user",
      "easily",
      "thing",
      "platform",
      "the",
      "with",
    ])
      expect(lemmasOut).not.toContain(stop);
  });

  it("when two words share a stem, then they are one concept", () => {
    const concepts = keyConcepts("Clinics cancel appointments; each cancellation frees a slot.").map(
      (c) => c.lemma,
    );
    expect(concepts.filter((l) => l.startsWith("cancel"))).toHaveLength(1);
  });

  it("when the intake is German, then the concepts are the client's own German words", () => {
    const concepts = keyConcepts(
      "Eine App für Reitställe: Pferdebesitzer buchen Boxen und Reitstunden, der Stall sieht die Belegung und verschickt Rechnungen.",
    ).map((c) => c.lemma);
    expect(concepts).toEqual(expect.arrayContaining(["pferdebesitzer", "reitstunden", "rechnungen"]));
    expect(concepts).not.toContain("die");
  });

  it("when the text carries markup and URLs, then none of it becomes a concept", () => {
    const concepts = keyConcepts(
      'Book <script>alert("x")</script> tables at https://evil.example/x for cafes.',
    );
    expect(JSON.stringify(concepts)).not.toMatch(/script|alert|evil|https/);
  });
});

describe("actions", () => {
  it("when users act on objects, then each verb is read with its object", () => {
    const texts = actions(
      "A marketplace where busy dog owners book vetted walkers, track walks on a live map and pay in-app.",
    ).map((a) => a.text);
    expect(texts).toEqual(expect.arrayContaining(["book vetted walkers", "track walks on live map"]));
  });

  it("when verbs look like plural nouns, then they are still read as verbs", () => {
    const verbs = actions(
      "The vet drafts notes, the owner approves them, the front desk confirms offers and beekeepers get alerts.",
    ).map((a) => a.verb);
    expect(verbs).toEqual(expect.arrayContaining(["draft", "approve", "confirm", "get"]));
    expect(verbs).not.toContain("offer");
  });

  it("when the clause is passive, then what is acted on is the object and the doer comes from 'by'", () => {
    const flag = actions(
      "Each person posts an update, blockers are flagged to the team lead, and so on.",
    ).find((a) => a.verb === "flag");
    expect(flag).toMatchObject({ phrase: "flag blockers to the team lead", object: { head: "blocker" } });
    expect(flag?.subject).toBeUndefined();
    const review = actions("Contracts are reviewed by paralegals.").find((a) => a.verb === "review");
    expect(review).toMatchObject({ object: { head: "contract" }, subject: { head: "paralegal" } });
  });

  it("when a verb acts on 'them', then the object is the previous action's and the plural before it is the subject", () => {
    const claim = actions("Managers post open shifts, agency temps claim them from their phone.").find(
      (a) => a.verb === "claim",
    );
    expect(claim).toMatchObject({ object: { text: "open shifts" }, subject: { head: "temp" } });
    expect(claim?.phrase).toMatch(/^claim open shifts from/);
  });

  it("when a participle follows the passive's subject, then it stays with the object", () => {
    const approve = actions("Shifts are posted, and the hours worked are approved for payroll.").find(
      (a) => a.verb === "approve",
    );
    expect(approve).toMatchObject({ passive: true, phrase: "approve hours worked for payroll" });
  });

  it("when a count stands before the object, then the object is still read", () => {
    const get = actions("Readers get five free articles a month.").find((a) => a.verb === "get");
    expect(get?.object?.text).toBe("free articles");
  });

  it("when a sentence has no verb, then no action is invented", () => {
    expect(actions("A calm blue place.")).toEqual([]);
  });
});

describe("nounPhrases", () => {
  it("when modifiers precede a noun, then the whole phrase is one noun phrase with its head", () => {
    expect(nounPhrases(CLINIC)).toEqual(
      expect.arrayContaining([expect.objectContaining({ text: "cancelled slots", head: "slot" })]),
    );
  });
});

describe("lemmas", () => {
  it("when text has inflected content words, then their lower-case lemmas come back without stopwords", () => {
    expect(lemmas("Clinics filled the Slots")).toEqual(["clinic", "fill", "slot"]);
  });
});

describe("mentions", () => {
  it.each([
    ["Two free slots today", "slot"],
    ["We cancelled it", "cancel"],
    ["She cancels often", "cancel"],
    ["Every cancellation is offered", "cancel"],
    ["Join the wait-list", "waitlist"],
  ])("when the text is %j, then it mentions %s", (text, lemma) => {
    expect(mentions(text, { lemma, phrase: lemma })).toBe(true);
  });

  it.each([
    ["A team workspace with analytics", "waitlist"],
    ["Slow lots of parking", "slot"],
    ["Candles for sale", "cancel"],
  ])("when the text is %j, then it does not mention %s", (text, lemma) => {
    expect(mentions(text, { lemma, phrase: lemma })).toBe(false);
  });
});

describe("withoutQuotedRuns", () => {
  it("when a draft copies four or more words of the idea, then that run is removed", () => {
    expect(
      withoutQuotedRuns(`Our plan: fills cancelled slots from a waitlist, and nothing else.`, CLINIC),
    ).toBe("Our plan: , and nothing else.");
  });

  it("when the overlap is shorter than the minimum, then the text is kept", () => {
    const text = "Offer cancelled slots to patients.";
    expect(withoutQuotedRuns(text, CLINIC)).toBe(text);
    expect(withoutQuotedRuns(text, CLINIC, 2)).toBe("Offer to patients.");
  });

  it("when case differs from the source, then the run still counts as quoted", () => {
    expect(withoutQuotedRuns("A SCHEDULING ASSISTANT FOR SMALL clinics", CLINIC)).toBe("");
  });
});

describe("tagger repairs", () => {
  const read = (text: string) =>
    actions(text, 20).map((a) => ({
      verb: a.verb,
      object: a.object?.text,
      subject: a.subject?.text,
      passive: a.passive ?? false,
    }));

  it("when a sentence opens with a verb before a determiner, then it is an imperative with its object", () => {
    expect(read("Book the pottery wheel in the back studio by the hour.")[0]).toMatchObject({
      verb: "book",
      object: "pottery wheel",
    });
  });

  it("when a noun-looking word follows 'to' and takes a determiner, then it is the infinitive", () => {
    expect(read("We want the drivers to photo their receipts every evening.")).toContainEqual(
      expect.objectContaining({ verb: "photo", object: "receipts" }),
    );
  });

  it("when a singular subject's verb in -es is coordinated or takes an object, then it is read as a verb", () => {
    expect(read("The head chef watches the tickets and sends orders to the pass.")).toContainEqual(
      expect.objectContaining({ verb: "watch", object: "tickets", subject: "head chef" }),
    );
    expect(read("the locksmith quotes and asks for a call-out fee.")).toContainEqual(
      expect.objectContaining({ verb: "quote", subject: "locksmith" }),
    );
    expect(read("Tenant picks a repair slot.")).toContainEqual(
      expect.objectContaining({ verb: "pick", object: "repair slot" }),
    );
  });

  it("when a plural subject opens a clause before a base verb, then it is no verb of its own", () => {
    expect(read("The diary is a mess, so lessons get double-booked.").map((a) => a.verb)).not.toContain(
      "lesson",
    );
    expect(read("Quotes then get approved by the owner.")).toContainEqual(
      expect.objectContaining({ verb: "approve", object: "quotes", passive: true }),
    );
  });

  it("when a clause opens with a word in -ing before a verb in -s, then the -ing word is the subject", () => {
    expect(read("Guests check out online, and catering sees which tables to set.")).toContainEqual(
      expect.objectContaining({ verb: "see", subject: "catering" }),
    );
  });

  it("when 'get' carries a participle, then the clause is passive with its subject as the object", () => {
    expect(read("Then the delivery note gets signed at the door.")).toContainEqual(
      expect.objectContaining({ verb: "sign", object: "delivery note", passive: true }),
    );
  });

  it("when a number or a lone adjective follows the object, then the object ends there", () => {
    expect(read("Members get a reminder three days before.")).toContainEqual(
      expect.objectContaining({ verb: "get", object: "reminder" }),
    );
    expect(read("Managers get an alert 14 days before a permit lapses.")).toContainEqual(
      expect.objectContaining({ verb: "get", object: "alert" }),
    );
  });

  it("when a possessive stands before a noun, then the phrase keeps its owner", () => {
    expect(nounPhrases("Tips go into the waiter's weekly pot.").map((p) => p.text)).toContain(
      "waiter's weekly pot",
    );
    expect(nounPhrases("The points go into the child's reward jar.").map((p) => p.text)).toContain(
      "child's reward jar",
    );
  });
});

describe("objects", () => {
  it("when a verb is followed by a count of time units, then it has no object", () => {
    expect(
      actions("We mend bikes and sell about 40 a month.").find((a) => a.verb === "sell")?.object,
    ).toBeUndefined();
    expect(actions("We broadcast 18 hours a day on FM.").some((a) => a.object?.head === "hour")).toBe(false);
    expect(
      actions("The owner confirms or picks another time.").find((a) => a.verb === "pick")?.object?.text,
    ).toBe("another time".replace("another ", ""));
  });

  it("when a verb has a receiver and a thing, then the thing is its object", () => {
    expect(actions("Garages send drivers a quote before any repair.")[0]).toMatchObject({
      verb: "send",
      object: { text: "quote" },
      phrase: "send drivers a quote before any repair",
    });
    expect(actions("The roofer sends the owner a quote.")[0]).toMatchObject({ object: { text: "quote" } });
  });

  it("when a word has an adjective's ending or sits among a determiner's modifiers, then it is no verb", () => {
    expect(actions("Vets upload photos or intraoral scans for each case.").map((a) => a.verb)).not.toContain(
      "intraoral",
    );
    expect(actions("Members pay a termly hire fee by card.").map((a) => a.verb)).not.toContain("hire");
  });

  it("when a question word follows the verb, then what follows is a clause, not the object", () => {
    expect(
      actions("Customers ring us to ask where their parcel is.").find((a) => a.verb === "ask")?.object,
    ).toBeUndefined();
  });

  it("when a phrasal verb ends the clause, then its particle is no object", () => {
    const bring = actions("A quick way to price a bike someone brings in.").find((a) => a.verb === "bring");
    expect(bring?.object).toBeUndefined();
    // A real object after the particle is still read.
    expect(actions("Drivers drop off the parcels at the depot.")[0]?.object?.text).toBe("parcels");
  });

  it("when a verb of knowing takes a clause, then the clause's subject is not its object", () => {
    expect(
      actions("Owners want to see their dog arrived home safely.").find((a) => a.verb === "see")?.object,
    ).toBeUndefined();
    expect(actions("Owners see their dog on a live map.").find((a) => a.verb === "see")?.object?.text).toBe(
      "dog",
    );
  });

  it("when a base-form word follows a preposition and comes before a plural noun, then it modifies the noun", () => {
    expect(actions("Fans rent a driveway near the ground on match days.").map((a) => a.verb)).not.toContain(
      "match",
    );
  });
});

describe("actions, on questions of count, time and place and on possessives", () => {
  it("when a singular object has a possessive, then the phrase keeps a determiner; a plural one drops it", () => {
    const check = actions("Riders check their balance by USSD on basic phones.")[0]!;
    expect(check.phrase).toBe("check their balance by USSD on basic phones");
    const owners = actions("Engineers complete forms on our tablet, and owners track their orders.");
    expect(owners.map((a) => a.phrase)).toContain("track orders");
    expect(owners.find((a) => a.verb === "complete")?.phrase ?? "").not.toMatch(/\bon tablet\b/);
  });

  it("when a passive names what is acted on with an article, then the action keeps it", () => {
    const close = actions("The app should create the invoice as soon as a job is closed.").find(
      (a) => a.verb === "close",
    );
    expect(close?.phrase).toBe("close a job");
  });

  it("when the idea asks how many of a thing are left, then that is what is seen, not an action on it", () => {
    const found = actions("Riders see how many days are left before the next payment.");
    expect(found.map((a) => a.verb)).not.toContain("leave");
    expect(found[0]?.phrase).toBe("see how many days are left before the next payment");
    const litres = actions("Farmers should be able to see how many litres they have delivered this month.");
    expect(litres.map((a) => a.verb)).not.toContain("deliver");
  });

  it("when a time or place phrase follows the verb, then it is no object; a real object after 'for' stays", () => {
    const missing = actions("Teachers see who is missing before the register closes.");
    expect(missing.find((a) => a.verb === "miss")?.object).toBeUndefined();
    const paid = actions("Farmers get paid at the end of the month.");
    expect(paid.find((a) => a.verb === "pay")?.object).toBeUndefined();
    expect(actions("Parents pay for the lesson online.")[0]?.object?.text).toBe("lesson");
    expect(actions("Managers plan the week for each crew.")[0]?.object?.text).toBe("week");
  });

  it("when a sentence opens with 'Today', then the day word is not part of its subject; 'today's' still is", () => {
    expect(actions("Today riders pay cash to our agent.")[0]?.subject?.text).toBe("riders");
    expect(nounPhrases("Today's schedule shows the jobs.")[0]?.text).toBe("today's schedule");
  });

  it("when a place follows the verb, then it is what the action is about; a time after 'at' is not", () => {
    const phrase = (text: string) => actions(text).map((a) => a.phrase);
    expect(phrase("Volunteers register at the door.")[0]).toMatch(/^register at the door/);
    expect(phrase("The paper moves behind a metered paywall.")[0]).toMatch(/paywall/);
    expect(phrase("Tenants pay at the end of the month.").join(" ")).not.toMatch(
      /pay the end|pay at the end/,
    );
    expect(phrase("Drivers leave at 6am.").join(" ")).not.toMatch(/6am/);
  });
});
