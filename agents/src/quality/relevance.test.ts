import { describe, expect, it } from "vitest";
import type { IntakeInput } from "../contracts.ts";
import { requireSector } from "../kb.ts";
import { comparableSourceId } from "../offline/market.ts";
import { offlineDraftingModel } from "../offline/model.ts";
import type { Brief, CampaignCopy, Market, Okrs, Prd, Wireframes } from "../schemas.ts";
import { anIntake } from "../testing/builders.ts";
import {
  DENTAL_WAITLIST,
  dentalBriefInOwnWords,
  inventedMarket,
  karaokeBrief,
} from "../testing/dishonest.ts";
import {
  briefGates,
  draftReview,
  emailGates,
  goalNumbers,
  marketGates,
  namedConstraints,
  okrGates,
  prdGates,
  wireframeGates,
} from "./relevance.ts";
import type { Gate } from "./report.ts";

const dental = anIntake({ sector: "healthcare", idea: DENTAL_WAITLIST, goals: undefined });
const byId = (gates: Gate[], id: string) => gates.find((g) => g.id === id)!;

const feature = (name: string, description: string, source: "idea" | "kb" = "idea") => ({
  id: name.toLowerCase().replace(/\W+/g, "-"),
  name,
  description,
  screen: "list" as const,
  source,
  keywords: [],
});

async function honestBrief(intake: IntakeInput): Promise<Brief> {
  return offlineDraftingModel.draft({
    step: "intake_parser",
    instructions: "",
    input: { intake, sector: requireSector(intake.sector) },
    schema: undefined as never,
  });
}

async function honestMarket(intake: IntakeInput): Promise<Market> {
  const brief = await honestBrief(intake);
  const market = await offlineDraftingModel.draft({
    step: "market_mapper",
    instructions: "",
    input: { brief, sector: requireSector(intake.sector), retrieved: [] },
    schema: undefined as never,
  });
  return market;
}

const paraphrasedBrief = dentalBriefInOwnWords;

describe("relevance gates: the brief", () => {
  it("when the features are about karaoke for a dental waitlist (labelled source: idea), then features-about-idea and no-filler-features fail", async () => {
    const gates = briefGates(dental, karaokeBrief(await honestBrief(dental)));
    expect(byId(gates, "features-about-idea")).toMatchObject({ passed: false });
    expect(byId(gates, "features-about-idea").reason).toMatch(
      /mention only 0\/\d+ of the idea's key concepts.*missing/,
    );
    expect(byId(gates, "no-filler-features").reason).toMatch(/"Karaoke song queue"/);
  });

  it("when the features paraphrase the idea, then both gates pass", async () => {
    const gates = briefGates(dental, paraphrasedBrief(await honestBrief(dental)));
    expect(gates.filter((g) => !g.passed)).toEqual([]);
  });

  it("when the features only quote the client's sentence back, then the quoted words do not count", async () => {
    const base = await honestBrief(dental);
    const quoting: Brief = {
      ...base,
      keyFeatures: [
        feature(
          "The freed slot is offered",
          "The freed slot is offered by text message to the next patient on the waitlist.",
        ),
        feature("The front desk sees", "The front desk sees every open offer per dentist."),
        feature("When a patient cancels", "A waitlist for dental practices: when a patient cancels."),
      ],
    };
    expect(byId(briefGates(dental, quoting), "features-about-idea")).toMatchObject({ passed: false });
  });

  it("when a knowledge-base feature matches nothing in the idea, then no-filler-features names it", async () => {
    const base = paraphrasedBrief(await honestBrief(dental));
    const padded = {
      ...base,
      keyFeatures: [...base.keyFeatures, feature("Analytics dashboard", "Charts of usage over time.", "kb")],
    };
    expect(byId(briefGates(dental, padded), "no-filler-features")).toEqual({
      id: "no-filler-features",
      passed: false,
      reason: 'features that match nothing in the idea: "Analytics dashboard"',
    });
  });
});

describe("relevance gates: the market map", () => {
  it("when the comparables are the knowledge base's own, then kb-sources-exist and comparables pass", async () => {
    expect(marketGates(await honestMarket(dental)).filter((g) => !g.passed)).toEqual([]);
  });

  it("when the competitors are invented under made-up knowledge-base ids, then both gates fail naming them", async () => {
    const gates = marketGates(inventedMarket(await honestMarket(dental)));
    expect(byId(gates, "kb-sources-exist").reason).toMatch(
      /sources not in the knowledge base: kb:sectors\/healthcare\/comparables\/dentaqueue/,
    );
    expect(byId(gates, "kb-sources-exist").reason).toMatch(
      /comparables the knowledge base does not have.*DentaQueue/,
    );
    expect(byId(gates, "comparables").reason).toMatch(
      /only 0 comparables \(need 3\) found in the knowledge base/,
    );
  });

  it("when a real product's name arrives defanged (Booking[.]com), then it is still the knowledge base's", async () => {
    const travel = anIntake({
      sector: "travel",
      idea: "Tours and activities for city visitors, booked in an app with hotel stays.",
    });
    const market = await honestMarket(travel);
    const booking = {
      ...market.comparables[0]!,
      name: "Booking[.]com",
      sourceId: comparableSourceId(
        "travel",
        requireSector("travel").comparables.find((c) => c.name === "Booking.com")!,
      ),
    };
    expect(
      byId(
        marketGates({ ...market, comparables: [booking, ...market.comparables.slice(1)] }),
        "kb-sources-exist",
      ).reason,
    ).not.toMatch(/Booking/);
  });

  it("when a real product is cited under another product's source id, then it counts as invented", async () => {
    const market = await honestMarket(dental);
    const swapped = {
      ...market,
      comparables: market.comparables.map((c, i) => (i === 0 ? { ...c, name: "Zocdoc Ultra" } : c)),
    };
    expect(byId(marketGates(swapped), "kb-sources-exist").reason).toMatch(/Zocdoc Ultra/);
  });
});

const prdWith = (over: Partial<Prd>): Prd => ({
  title: "t",
  summary: "s",
  problem: "p",
  personas: [{ name: "Front desk", role: "Reception", needs: ["fewer gaps"] }],
  competitive: { rows: [{ product: "Doctolib", positioning: "x", price: "y", gap: "z" }], ourPosition: "o" },
  scope: { in: ["Waitlist offers"], out: ["Native apps"] },
  userStories: [],
  metrics: [],
  risks: [{ risk: "Patients ignore texts", mitigation: "Offer the next person after an hour" }],
  sources: [{ id: "kb:sectors/healthcare/patterns", title: "x" }],
  ...over,
});
const story = (want: string, benefit: string, acceptance: string[]) => ({
  id: "us-1",
  persona: "Front desk",
  want,
  benefit,
  featureId: "x",
  acceptance,
});

describe("relevance gates: the PRD", () => {
  it("when the user stories are about something else, then stories-about-idea fails; about the idea, it passes", () => {
    const off = prdWith({
      userStories: [
        story("to queue songs", "the night runs smoothly", ["A song is added", "Singers see the order"]),
      ],
    });
    expect(byId(prdGates(dental, off), "stories-about-idea").passed).toBe(false);
    const on = prdWith({
      userStories: [
        story(
          "to offer a freed slot to the patient first in the waitlist by text message",
          "cancellations do not leave empty chairs at the dental practice",
          [
            "The offer goes out within a minute of the cancellation",
            "Reception can see each open offer for every dentist",
          ],
        ),
      ],
    });
    expect(byId(prdGates(dental, on), "stories-about-idea").passed).toBe(true);
  });

  const farm = anIntake({
    sector: "logistics",
    idea: "Drivers record milk collected at each farm. It must work offline on older Android phones, and monthly totals are exported to Xero as bills.",
  });

  it("when the intake names offline use, a platform and an integration, then they are read as constraints", () => {
    expect(namedConstraints(farm).map((c) => `${c.kind}:${c.name}`)).toEqual([
      "offline:works offline",
      "platform:android",
      "integration:Xero",
    ]);
    const german = anIntake({
      idea: "Mitglieder zahlen ihren Beitrag per SEPA-Lastschrift, die Abrechnung wird nach DATEV exportiert.",
    });
    expect(namedConstraints(german).map((c) => c.name)).toEqual(["SEPA", "DATEV"]);
    const none = anIntake({
      idea: "A revision app where A-level students scan a QR code and get marked feedback.",
    });
    expect(namedConstraints(none)).toEqual([]);
  });

  it("when a named constraint is out of scope, missing, or an integration is not a risk, then constraints-in-scope fails saying which", () => {
    const bad = prdWith({ scope: { in: ["Route list", "Works on Android"], out: ["Offline mode"] } });
    const reason = byId(prdGates(farm, bad), "constraints-in-scope").reason;
    expect(reason).toMatch(/"works offline" is not in scope/);
    expect(reason).toMatch(/"works offline" is listed as out of scope/);
    expect(reason).toMatch(/"Xero" is not in scope/);
    expect(reason).toMatch(/the Xero integration is not named as a risk/);
    const good = prdWith({
      scope: {
        in: ["Works offline and syncs later", "Android 8 and newer", "Monthly export to Xero"],
        out: ["iOS app"],
      },
      risks: [{ risk: "The Xero API rejects a bill", mitigation: "Retry and show the office" }],
    });
    expect(byId(prdGates(farm, good), "constraints-in-scope")).toMatchObject({ passed: true });
  });
});

describe("relevance gates: screens, emails and OKRs", () => {
  const screens = (titles: string[]): Wireframes => ({
    productName: "x",
    screens: titles.map((title, i) => ({ id: `s${i}`, title, purpose: "p", regions: [] })),
  });

  it("when the screen titles are generic, then screens-about-idea fails; when they name the idea's objects, it passes", () => {
    expect(
      byId(
        wireframeGates(dental, screens(["Home", "Workspace", "Analytics", "Settings"])),
        "screens-about-idea",
      ).passed,
    ).toBe(false);
    expect(
      byId(
        wireframeGates(
          dental,
          screens([
            "Waitlist",
            "Offer a freed slot by text message",
            "Open offers per dentist",
            "See the front desk",
          ]),
        ),
        "screens-about-idea",
      ).passed,
    ).toBe(true);
  });

  it("when the emails never mention the idea, then emails-about-idea fails", () => {
    const copy: CampaignCopy = {
      emails: (["demo", "prototype", "calendar"] as const).map((step) => ({
        step,
        subject: "Your project",
        preheader: "News",
        heading: "Hello",
        paragraphs: ["Thanks for telling us about your project. Our team is on it."],
        cta: { label: "Open", target: "project" },
      })),
    };
    expect(
      byId(
        emailGates(
          dental,
          copy.emails.map((e) => e.paragraphs.join(" ")),
        ),
        "emails-about-idea",
      ).passed,
    ).toBe(false);
  });

  it("when goals carry numbers, then the numbers are read without the dates, and OKRs without them fail goals-honoured", () => {
    expect(goalNumbers("Reach 1,200 subscribers and €18k MRR by month 9; churn below 4% a month")).toEqual([
      1200, 18000, 4,
    ]);
    expect(goalNumbers("50 Vereine bis Ende des Jahres, 2.500 Mitglieder in 6 Monaten")).toEqual([50, 2500]);
    const intake = anIntake({ goals: "Reach 500 paying owners in 6 months; 30% repeat bookings" });
    const okrs = (target: number, description: string): Okrs => ({
      horizonWeeks: 16,
      objectives: [
        {
          id: "o1",
          title: "Grow",
          keyResults: [
            {
              id: "kr1",
              description,
              metric: "owners",
              baseline: 0,
              target,
              unit: "owners",
              deadline: { weeksFromKickoff: 12, label: "w12" },
            },
            {
              id: "kr2",
              description: "x",
              metric: "y",
              baseline: 0,
              target: 1,
              unit: "u",
              deadline: { weeksFromKickoff: 12, label: "w12" },
            },
          ],
        },
      ],
    });
    expect(byId(okrGates(intake, okrs(100, "Reach 100 owners")), "goals-honoured").reason).toBe(
      "numbers from the client's goals missing from the key results: 500, 30",
    );
    expect(
      byId(okrGates(intake, okrs(500, "Reach 500 owners with 30% repeat bookings")), "goals-honoured").passed,
    ).toBe(true);
  });

  it("when a step has relevance gates, then draftReview returns them for the repair loop; otherwise undefined", async () => {
    const state = { intake: dental } as never;
    const review = draftReview("intake_parser", state)!;
    expect(
      review(karaokeBrief(await honestBrief(dental)))
        .filter((g) => !g.passed)
        .map((g) => g.id),
    ).toEqual(["features-about-idea", "no-filler-features"]);
    expect(draftReview("explainer_producer", state)).toBeUndefined();
    expect(draftReview("intake_parser", {} as never)).toBeUndefined();
  });
});

describe("namedConstraints, on names of more than one word", () => {
  it("when a named system is a run of capitalised words, then it is one integration, whole", () => {
    const names = namedConstraints({
      idea: "We want riders to pay by MTN Mobile Money, get paid through M-Pesa, and the office to export to QuickBooks Online.",
    }).map((c) => c.name);
    expect(names).toEqual(["MTN Mobile Money", "M-Pesa", "QuickBooks Online"]);
  });

  it("when names are listed with commas, then each is a name of its own", () => {
    const names = namedConstraints({ idea: "Our orders sync with Xero, Stripe." }).map((c) => c.name);
    expect(names).toEqual(["Xero", "Stripe"]);
  });
});
