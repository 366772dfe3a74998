import { describe, expect, it } from "vitest";
import { requireSector } from "../kb.ts";
import { briefSchema } from "../schemas.ts";
import { anIntake, DOG_WALKING, HOSTILE_IDEA, PHYSIO_CLINIC } from "../testing/builders.ts";
import { draftBrief } from "./brief.ts";
import { isPeopleNoun, readIdea } from "./idea.ts";

describe("draftBrief", () => {
  it("when the idea lists what users do, then those become 3-6 key features from the idea", () => {
    const brief = briefSchema.parse(draftBrief(anIntake(), requireSector("ecommerce")));
    expect(brief.keyFeatures.length).toBeGreaterThanOrEqual(3);
    expect(brief.keyFeatures.length).toBeLessThanOrEqual(6);
    const names = brief.keyFeatures.map((f) => f.name.toLowerCase());
    expect(names).toContain("book vetted walkers");
    expect(names.some((n) => n.startsWith("track walks"))).toBe(true);
    expect(brief.keyFeatures.filter((f) => f.source === "idea").length).toBeGreaterThanOrEqual(3);
  });

  it("when people in the idea only act with no object, then no invitation feature is drafted for them", () => {
    const brief = draftBrief(
      anIntake({
        idea: "A local newspaper moves behind a metered paywall: readers get five free articles a month, subscribers can comment, and editors moderate comments before they appear.",
      }),
      requireSector("media"),
    );
    const names = brief.keyFeatures.map((f) => f.name.toLowerCase());
    expect(names.some((n) => n.startsWith("invite"))).toBe(false);
    expect(names.some((n) => n.includes("free articles"))).toBe(true);
  });

  it("when the idea names its audience, then the audience leads the target users", () => {
    const brief = draftBrief(anIntake(), requireSector("ecommerce"));
    expect(brief.targetUsers[0]).toMatchObject({ name: "Busy dog owners", source: "idea" });
  });

  it("when budget and timeline are given, then they are parsed into amounts and weeks", () => {
    const brief = draftBrief(
      anIntake({ budget: "€15,000-25,000", timeline: "12 weeks" }),
      requireSector("ecommerce"),
    );
    expect(brief.constraints.budget).toMatchObject({ currency: "EUR", min: 15_000, max: 25_000 });
    expect(brief.constraints.timeline).toMatchObject({ weeks: 12 });
  });

  it("when budget and timeline are missing, then the brief says what it assumed", () => {
    const { budget: _b, timeline: _t, ...rest } = anIntake();
    const brief = draftBrief(rest, requireSector("ecommerce"));
    expect(brief.constraints.budget).toBeNull();
    expect(brief.constraints.notes.join(" ")).toMatch(/No budget/);
    expect(brief.constraints.notes.join(" ")).toMatch(/12 weeks/);
  });

  it("when the idea is thin, then the missing features come from its own objects, never from the sector list", () => {
    const fitness = requireSector("fitness");
    const brief = briefSchema.parse(
      draftBrief(
        anIntake({ idea: "A calmer place for people who love yoga and good habits.", goals: undefined }),
        fitness,
      ),
    );
    expect(brief.keyFeatures.length).toBeGreaterThanOrEqual(3);
    const names = brief.keyFeatures.map((f) => f.name);
    for (const template of fitness.features) expect(names).not.toContain(template.name);
    expect(brief.keyFeatures.every((f) => /yoga|habit|place/i.test(f.name))).toBe(true);
    expect(brief.keyFeatures.some((f) => f.source === "kb")).toBe(false);
  });

  it("when the README's clinic idea is filed under B2B SaaS, then its features are about slots and the waitlist and the brief says it reads as healthcare", () => {
    const brief = briefSchema.parse(
      draftBrief(
        anIntake({
          idea: "A scheduling assistant for small clinics that fills cancelled slots from a waitlist",
          sector: "saas",
          goals: undefined,
          budget: undefined,
        }),
        requireSector("saas"),
      ),
    );
    const names = brief.keyFeatures.map((f) => f.name.toLowerCase()).join(" | ");
    expect(names).toMatch(/waitlist/);
    expect(names).toMatch(/cancelled slots/);
    expect(names).not.toMatch(/team workspace|workflow automation|analytics dashboard/);
    expect(brief.sectorFit).toMatchObject({
      filed: { id: "saas" },
      readsAs: { id: "healthcare" },
      mismatch: true,
    });
    expect(brief.sector.id).toBe("healthcare");
    expect(brief.constraints.notes.join(" ")).toMatch(/Filed under B2B SaaS; reads as Healthcare/);
    expect(brief.openQuestions?.join(" ")).toMatch(/budget/i);
  });

  it("when the idea opens by naming the product, then the product is no object to browse and glosses nothing", () => {
    const brief = draftBrief(
      anIntake({
        idea: "A scheduling assistant for small clinics that fills cancelled slots from a waitlist",
        sector: "healthcare",
      }),
      requireSector("healthcare"),
    );
    const text = brief.keyFeatures.map((f) => `${f.name}. ${f.description}`).join(" ");
    expect(text).not.toMatch(/scheduling assistant/i);
    expect(brief.keyFeatures.length).toBeGreaterThanOrEqual(3);
    // A product kind the idea does act on, or one that is not the product, stays a thing of its own.
    const bot = draftBrief(
      anIntake({
        idea: "Shop owners configure a chatbot that answers delivery questions and hands hard ones to a person",
        sector: "ecommerce",
      }),
      requireSector("ecommerce"),
    );
    expect(bot.keyFeatures.map((f) => `${f.name}. ${f.description}`).join(" ")).toMatch(/chatbot/i);
  });

  it("when the idea fits the sector it was filed under, then no mismatch is reported", () => {
    const brief = draftBrief(anIntake(), requireSector("ecommerce"));
    expect(brief.sectorFit?.mismatch).toBe(false);
    expect(brief.sector.id).toBe("ecommerce");
  });

  it("when the idea names an integration and a platform constraint, then both are constraints, not features", () => {
    const brief = draftBrief(
      anIntake({
        idea: "Tenants report repairs with photos, landlords assign a contractor and everyone sees the status. Must work offline on older Android phones; integrates with Xero.",
        sector: "real-estate",
      }),
      requireSector("real-estate"),
    );
    expect(brief.constraints.integrations).toEqual(["Xero"]);
    expect(brief.constraints.platform?.join(" ")).toMatch(/offline on older Android phones/);
    expect(brief.keyFeatures.map((f) => f.name).join(" ")).not.toMatch(/Xero/);
  });

  it("when the intake is German, then the brief names the language and the features use the client's words", () => {
    const brief = briefSchema.parse(
      draftBrief(
        anIntake({
          idea: "Eine App für Reitställe: Pferdebesitzer buchen Boxen und Reitstunden, der Stall sieht die Belegung und verschickt Rechnungen.",
          sector: "hospitality",
          goals: undefined,
        }),
        requireSector("hospitality"),
      ),
    );
    expect(brief.language).toEqual({ code: "de", name: "German" });
    expect(brief.constraints.notes.join(" ")).toMatch(/in German; the drafts are in English/);
    expect(brief.keyFeatures.map((f) => f.name).join(" ")).toMatch(/Pferdebesitzer|Reitstunden|Reitställe/);
  });

  it("when two ideas differ, then their features differ", () => {
    const dogs = draftBrief(anIntake({ idea: DOG_WALKING }), requireSector("ecommerce"));
    const physio = draftBrief(
      anIntake({ idea: PHYSIO_CLINIC, sector: "healthcare" }),
      requireSector("healthcare"),
    );
    const names = (b: typeof dogs) => b.keyFeatures.map((f) => f.name).join("|");
    expect(names(dogs)).not.toBe(names(physio));
    expect(dogs.productName).not.toBe(physio.productName);
  });

  it("when the idea carries markup and URLs, then no feature or keyword contains them", () => {
    const brief = briefSchema.parse(
      draftBrief(anIntake({ idea: HOSTILE_IDEA, sector: "fintech" }), requireSector("fintech")),
    );
    const derived = JSON.stringify([brief.keyFeatures, brief.keywords, brief.targetUsers, brief.productName]);
    expect(derived).not.toMatch(/<script|onerror|https?:|javascript:|evil/i);
    expect(brief.idea).toBe(HOSTILE_IDEA.trim());
  });

  it("when the idea books a thing and names few actions, then a feature shows when it is available", () => {
    const brief = draftBrief(
      anIntake({ idea: "Rent the electric cargo bike outside the bakery by the hour." }),
      requireSector("hospitality"),
    );
    const names = brief.keyFeatures.map((f) => f.name);
    expect(names).toContain("See when the electric cargo bike is available");
    expect(names.some((n) => /^(?:Explore|Add notes on) (?!the )/.test(n))).toBe(false);
  });

  it("when the audience is the only people the idea names, then they are not invited to their own product", () => {
    const brief = draftBrief(
      anIntake({
        idea: "Reading log app for families. Parents add books, kids tick off chapters, a parent confirms, and the points go into the child's reward jar.",
      }),
      requireSector("education"),
    );
    expect(brief.keyFeatures.map((f) => f.name)).not.toContain("Invite families");
  });

  it("when a Spanish intake's frequent words are verbs, then no feature is named after a verb", () => {
    const brief = draftBrief(
      anIntake({
        idea: "Tenemos una librería de segunda mano y necesitamos vender los libros online. Necesitamos saber qué ejemplares quedan, queremos avisar a los clientes y necesitamos cobrar con tarjeta.",
      }),
      requireSector("ecommerce"),
    );
    expect(brief.language?.code).toBe("es");
    for (const f of brief.keyFeatures)
      expect(f.name.toLowerCase()).not.toMatch(/necesitamos|queremos|vender/);
  });

  it("when a French intake names who acts and what they act on, then features name the things, never a verb form", () => {
    const brief = draftBrief(
      anIntake({
        idea: "Pour les boulangeries de quartier : les clients commandent leurs gâteaux d'anniversaire en ligne, le boulanger prépare les commandes du samedi et les livreurs confirment les livraisons effectuées.",
        sector: "ecommerce",
        goals: undefined,
      }),
      requireSector("ecommerce"),
    );
    expect(brief.language?.code).toBe("fr");
    const names = brief.keyFeatures.map((f) => f.name);
    // The client's verb forms and the people who act are no things to manage.
    for (const n of names) expect(n).not.toMatch(/commandent|prépare\b|confirment|clients|livreurs/);
    expect(names).toContain("Prepare commandes du samedi");
    expect(names.some((n) => /gâteaux d'anniversaire$/.test(n))).toBe(true);
    expect(names.some((n) => /^Confirm livraisons effectuées$/.test(n))).toBe(true);
  });

  it("when a noun ends in -ment, then it names no people", () => {
    expect(isPeopleNoun("moment")).toBe(false);
  });

  it("when a compound ends in a thing ('pre-order'), then it names no people", () => {
    expect(isPeopleNoun("pre-order")).toBe(false);
    expect(isPeopleNoun("co-founder")).toBe(true);
  });

  it("when people's verb takes a clause the reader cannot hold, then the bare verb names no feature", () => {
    const brief = draftBrief(
      anIntake({
        idea: "Gyms send members a text message before each class; the front desk sees who has not checked in.",
      }),
      requireSector("saas"),
    );
    const names = brief.keyFeatures.map((f) => f.name);
    expect(names).not.toContain("See");
    expect(names.some((n) => /^Send members (?:a|the) text message/.test(n))).toBe(true);
  });

  it("when the client's first sentence says what their business is, then that is no feature", () => {
    const brief = draftBrief(
      anIntake({
        idea: "We run a small bike shop in the harbour. Customers book a service slot online and pay a deposit, and the mechanic texts them when the bike is ready.",
      }),
      requireSector("ecommerce"),
    );
    const text = brief.keyFeatures.map((f) => `${f.name}. ${f.description}`).join(" ");
    expect(text).not.toMatch(/\brun (?:the|a) small bike shop/i);
  });

  it("when a named system is one of the idea's objects, then it keeps its name's capitals and no article", () => {
    const brief = draftBrief(
      anIntake({ idea: "Electricians log their hours, and each approved timesheet lands in Xero." }),
      requireSector("saas"),
    );
    const text = brief.keyFeatures.map((f) => `${f.name}. ${f.description}`).join(" ");
    expect(text).not.toMatch(/the xero|\bxero\b/);
  });
});

describe("draftBrief, on ideas that say who the client is and how they work today", () => {
  const LENDER =
    "We're a small lender in Kampala that finances motorcycles for boda boda riders. Today riders pay cash to our agent at the stage every week and we write it in a book. We want riders to pay by MTN Mobile Money and check their balance by USSD on basic phones, and see how many days are left before the next payment. Our agents need a list of late riders each morning.";

  it("when sentences introduce the business or today's way of working, then none becomes a feature", () => {
    const brief = draftBrief(anIntake({ idea: LENDER }), requireSector("fintech"));
    const names = brief.keyFeatures.map((f) => f.name.toLowerCase());
    expect(names.some((n) => /financ|cash|write/.test(n))).toBe(false);
    expect(names).toContain("pay by mtn mobile money");
    const text = brief.keyFeatures.map((f) => `${f.name} ${f.description}`).join(" ");
    expect(text).not.toMatch(/\bleave many days\b|connects to Mobile\b/);
    expect(text).toMatch(/connects to MTN Mobile Money\./);
  });

  it("when 'currently' or 'at the moment' sets a sentence in the present, then it is no feature either", () => {
    const brief = draftBrief(
      anIntake({
        idea: "We are a family physiotherapy clinic in Leeds. At the moment patients phone the front desk to book. Currently we keep patient notes in Excel. We want patients to reschedule sessions online and get a text reminder the day before.",
      }),
      requireSector("healthcare"),
    );
    const names = brief.keyFeatures.map((f) => f.name.toLowerCase());
    expect(names.some((n) => /phone the|keep patient notes|excel/.test(n))).toBe(false);
    expect(names.some((n) => n.startsWith("reschedule sessions"))).toBe(true);
  });

  it("when today's process is said of things ('contracts are signed on paper'), then those steps are still work to build", () => {
    const reading = readIdea(
      anIntake({
        idea: "We hire 80 seasonal pickers. Right now contracts are signed on paper and the right-to-work checks are photocopied. We want onboarding done on the pickers' own phones.",
      }),
    );
    const verbs = reading.actions.map((a) => a.verb);
    expect(verbs).toContain("photocopy");
  });

  it("when an object has a possessive ('the person's identity'), then no description cuts it from its owner", () => {
    const brief = draftBrief(
      anIntake({
        idea: "Each claim has a two-week deadline: we have to verify the person's identity, call the insurer, and send the decision letter securely.",
      }),
      requireSector("legal"),
    );
    const text = brief.keyFeatures.map((f) => f.description).join(" ");
    expect(text).toMatch(/identity/);
    expect(text).not.toMatch(/\bthe s\b/);
  });

  it("when a new clause joins the client's introduction ('We're a charity and we …'), then that clause is work to build", () => {
    const reading = readIdea(
      anIntake({
        idea: "We're a mid-sized charity and we redact personal details from every file we disclose. We need a log of each request.",
      }),
    );
    expect(reading.actions.map((a) => a.verb)).toContain("redact");
    const lender = readIdea(
      anIntake({
        idea: "We're a small lender that finances motorcycles for riders. We want riders to pay by phone.",
      }),
    );
    expect(lender.actions.map((a) => a.verb)).not.toContain("finance");
  });

  it("when the sentence asks for a change or 'today' names a thing, then it still gives a feature", () => {
    const reading = readIdea(
      anIntake({
        idea: "Today's schedule shows the jobs for each cleaner. We want to stop paying cash at the door, and today customers should pay by card.",
      }),
    );
    const verbs = reading.actions.map((a) => a.verb);
    expect(verbs).toEqual(expect.arrayContaining(["show", "stop", "pay"]));
  });
});
