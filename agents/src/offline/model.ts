/**
 * The offline drafting model: deterministic drafts from the intake and the knowledge base, no
 * network and no API key. It is the default DraftingModel and the reference a provider must match.
 */
import type { DraftRequest, DraftStep, DraftTasks, DraftingModel } from "../configuration.ts";
import { draftBrief } from "./brief.ts";
import { draftCampaign } from "./campaign.ts";
import { draftExplainer } from "./explainer.ts";
import { draftMarket } from "./market.ts";
import { draftOkrs } from "./okrs.ts";
import { draftPrd } from "./prd.ts";
import { draftWireframes } from "./wireframes.ts";

type Drafters = { [S in DraftStep]: (input: DraftTasks[S]["input"]) => DraftTasks[S]["output"] };

const DRAFTERS: Drafters = {
  intake_parser: ({ intake, sector }) => draftBrief(intake, sector),
  market_mapper: ({ brief, sector, retrieved }) =>
    draftMarket(
      brief,
      sector,
      retrieved.filter((r) => r.collection === "market_comps").map((r) => r.id),
    ),
  product_doc_writer: ({ brief, market, sector }) => draftPrd(brief, market, sector),
  wireframer: ({ brief, market, prd, sector }) => draftWireframes(brief, market, prd, sector),
  // The offline path never asks for a custom screen; if asked, it answers with the proven one.
  prototyper: ({ example }) => ({ component: example }),
  explainer_producer: ({ brief, wireframes }) => draftExplainer(brief, wireframes),
  campaign_composer: ({ brief, prd, explainer, recipientName }) =>
    draftCampaign(brief, prd, explainer, recipientName),
  indication_okrs: ({ brief, prd, sector }) => draftOkrs(brief, prd, sector),
};

export const offlineDraftingModel: DraftingModel = {
  id: "offline",
  offline: true,
  async draft<S extends DraftStep>(request: DraftRequest<S>): Promise<DraftTasks[S]["output"]> {
    const drafter = DRAFTERS[request.step] as (input: DraftTasks[S]["input"]) => DraftTasks[S]["output"];
    return drafter(request.input);
  },
};
