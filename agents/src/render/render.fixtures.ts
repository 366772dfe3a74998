/** Drafts for renderer tests, built with the offline model from builder intakes. */
import type { IntakeInput } from "../contracts.ts";
import { requireSector } from "../kb.ts";
import { draftBrief } from "../offline/brief.ts";
import { draftExplainer } from "../offline/explainer.ts";
import { draftMarket } from "../offline/market.ts";
import { draftPrd } from "../offline/prd.ts";
import { draftWireframes } from "../offline/wireframes.ts";

export function draftsFor(intake: IntakeInput) {
  const sector = requireSector(intake.sector);
  const brief = draftBrief(intake, sector);
  const market = draftMarket(brief, sector);
  const prd = draftPrd(brief, market, sector);
  const wireframes = draftWireframes(brief, market, prd, sector);
  const explainer = draftExplainer(brief, wireframes);
  return { sector, brief, market, prd, wireframes, explainer };
}
