/**
 * Deliberately bad drafting models, for tests of the quality gates and the repair loop: each wraps
 * the offline model and spoils one thing the way a careless or hallucinating LLM would. They are
 * test doubles of a drafting model, not of a vendor, and never ship.
 */
import type { DraftRequest, DraftStep, DraftTasks, DraftingModel } from "../configuration.ts";
import { offlineDraftingModel } from "../offline/model.ts";
import type { Brief, Market } from "../schemas.ts";

export const DENTAL_WAITLIST =
  "A waitlist for dental practices: when a patient cancels, the freed slot is offered by text message to the next patient on the waitlist, and the front desk sees every open offer per dentist.";

const KARAOKE = [
  ["Karaoke song queue", "Guests line up songs for the karaoke stage and vote the next singer up."],
  ["Lyrics on the big screen", "Lyrics scroll on the bar's big screen in time with the backing track."],
  ["Duet matchmaking", "Solo singers find a duet partner for the next round of the night."],
  ["Microphone booking", "The host books microphones and stage time for the evening's singers."],
] as const;

/** The brief a model writes when it answers a different idea: karaoke nights, whatever was asked. */
export function karaokeBrief(honest: Brief): Brief {
  return {
    ...honest,
    productName: "SingAlong",
    idea: "Karaoke nights for bars: a song queue, lyrics on screen and duet matchmaking.",
    problemStatement: "Bars struggle to run karaoke nights with a fair song queue and readable lyrics.",
    targetUsers: [
      { name: "Karaoke hosts", description: "Run the stage at bars on karaoke nights.", source: "idea" },
    ],
    // Labelled "idea" on purpose: the gates must not take a feature's own label as evidence.
    keyFeatures: KARAOKE.map(([name, description], i) => ({
      id: `karaoke-${i + 1}`,
      name,
      description,
      screen: (["list", "dashboard", "form", "form"] as const)[i]!,
      source: "idea" as const,
      keywords: name.toLowerCase().split(" "),
    })),
    keywords: [
      { term: "karaoke", score: 1 },
      { term: "song", score: 0.8 },
      { term: "lyrics", score: 0.6 },
    ],
  };
}

/** What a model that read DENTAL_WAITLIST writes for its features, in its own words (the repaired answer). */
export function dentalBriefInOwnWords(base: Brief): Brief {
  const f = (name: string, description: string, screen: "form" | "list" | "dashboard") => ({
    id: name.toLowerCase().replace(/\W+/g, "-"),
    name,
    description,
    screen,
    source: "idea" as const,
    keywords: [],
  });
  return {
    ...base,
    keyFeatures: [
      f(
        "Offer freed slots to the waitlist",
        "When someone cancels, the next patient waiting gets a text message with the open slot.",
        "list",
      ),
      f(
        "Front desk view per dentist",
        "Reception staff see each open offer for every dentist of the dental team.",
        "dashboard",
      ),
      f(
        "Waitlist sign-up",
        "Patients join the waitlist of their dental practice for an earlier appointment.",
        "form",
      ),
    ],
  };
}

const INVENTED = ["DentaQueue", "SlotSnap Pro", "RecallRobot"];

/** The market map a model writes when it invents competitors and cites knowledge-base ids for them. */
export function inventedMarket(honest: Market): Market {
  const comparables = honest.comparables.map((c, i) => {
    const name = INVENTED[i % INVENTED.length]! + (i >= INVENTED.length ? ` ${i}` : "");
    return {
      ...c,
      name,
      sourceId: `kb:sectors/${honest.sector.id}/comparables/${name.toLowerCase().replace(/\W+/g, "-")}`,
    };
  });
  return {
    ...honest,
    comparables,
    sources: [
      ...honest.sources.filter((s) => !s.id.includes("/comparables/")),
      ...comparables.map((c) => ({ id: c.sourceId, title: `Knowledge base: ${c.name}` })),
    ],
  };
}

function spoiling(
  id: string,
  spoil: { [S in DraftStep]?: (honest: DraftTasks[S]["output"]) => DraftTasks[S]["output"] },
): DraftingModel {
  return {
    id,
    offline: true,
    async draft<S extends DraftStep>(request: DraftRequest<S>): Promise<DraftTasks[S]["output"]> {
      const honest = await offlineDraftingModel.draft(request);
      const fn = spoil[request.step] as ((h: DraftTasks[S]["output"]) => DraftTasks[S]["output"]) | undefined;
      return fn ? fn(honest) : honest;
    },
  };
}

/** Answers every intake with a karaoke product; the later steps draft faithfully from that brief. */
export const offTopicDraftingModel = spoiling("test:off-topic", { intake_parser: karaokeBrief });

/** Honest everywhere except the market map, whose competitors it makes up. */
export const inventingDraftingModel = spoiling("test:invents-competitors", { market_mapper: inventedMarket });
