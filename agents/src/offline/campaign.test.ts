/**
 * The warm-up emails over the eval's tune intakes (agents/eval/tune.json): every sentence the
 * templates write is grammatical by the text toolkit's checks, and the emails reach the idea.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { IntakeInput } from "../contracts.ts";
import { listSectors, requireSector } from "../kb.ts";
import { copyTexts, emailGates } from "../quality/relevance.ts";
import { grammarReport, sentences, withoutQuotedRuns } from "../text/index.ts";
import { draftBrief } from "./brief.ts";
import { draftCampaign } from "./campaign.ts";
import { draftExplainer } from "./explainer.ts";
import { draftMarket } from "./market.ts";
import { draftPrd } from "./prd.ts";
import { draftWireframes } from "./wireframes.ts";

const KB_FEATURE_NAMES = listSectors().flatMap((s) => requireSector(s.id).features.map((f) => f.name));
const KB_PRODUCT_NAMES = listSectors().flatMap((s) => requireSector(s.id).comparables.map((c) => c.name));

const tune = (
  JSON.parse(readFileSync(path.join(import.meta.dirname, "../../eval/tune.json"), "utf8")) as {
    intakes: (Omit<IntakeInput, "email"> & { id: string })[];
  }
).intakes.map(({ id, ...i }) => ({ id, intake: { email: "ana@example.com", ...i } as IntakeInput }));

function campaignFor(intake: IntakeInput) {
  const brief = draftBrief(intake, requireSector(intake.sector));
  const sector = requireSector(brief.sector.id);
  const market = draftMarket(brief, sector);
  const prd = draftPrd(brief, market, sector);
  const wireframes = draftWireframes(brief, market, prd, sector);
  return draftCampaign(brief, prd, draftExplainer(brief, wireframes), "Ana");
}

/** The grammar findings in the sentences the email templates wrote (the client's quoted runs left out). */
function emailGrammar(intake: IntakeInput, campaign: ReturnType<typeof campaignFor>): string[] {
  const source = `${intake.idea}\n${intake.goals ?? ""}`;
  const texts = campaign.emails
    .flatMap((e) => [e.subject, e.preheader, e.heading, ...e.paragraphs])
    .flatMap(sentences)
    .filter((s) => withoutQuotedRuns(s, source, 5).length > s.length * 0.6);
  return grammarReport(texts, KB_FEATURE_NAMES, KB_PRODUCT_NAMES, { clientText: source }).map(
    (f) => `${f.rule}: ${f.detail} in "${f.sentence}"`,
  );
}

describe("draftCampaign over the tune intakes", () => {
  it("when the emails are drafted, then no template sentence breaks agreement, articles or leaves a placeholder", () => {
    const findings = tune.flatMap(({ id, intake }) =>
      emailGrammar(intake, campaignFor(intake)).map((f) => `${id}: ${f}`),
    );
    expect(findings).toEqual([]);
  });

  it("when the emails are drafted, then each set passes the emails-about-idea gate", () => {
    const failing = tune.flatMap(({ id, intake }) =>
      emailGates(intake, copyTexts(campaignFor(intake)))
        .filter((g) => !g.passed)
        .map((g) => `${id}: ${g.reason}`),
    );
    expect(failing).toEqual([]);
  });

  it("when the client names several kinds of users, then the first email says the plan is for all of them", () => {
    const intake = tune[0]!.intake;
    const brief = draftBrief(intake, requireSector(intake.sector));
    const users = [
      { ...brief.targetUsers[0]!, name: "Small clinics", source: "idea" as const },
      { ...brief.targetUsers[0]!, name: "Patients", source: "idea" as const },
    ];
    const withUsers = {
      ...brief,
      targetUsers: users,
      keyFeatures: brief.keyFeatures.map((f) => ({
        ...f,
        description: `Small clinics can ${f.name.toLowerCase()}.`,
      })),
    };
    const sector = requireSector(brief.sector.id);
    const market = draftMarket(withUsers, sector);
    const prd = draftPrd(withUsers, market, sector);
    const campaign = draftCampaign(
      withUsers,
      prd,
      draftExplainer(withUsers, draftWireframes(withUsers, market, prd, sector)),
      "Ana",
    );
    expect(campaign.emails[0]!.paragraphs[1]).toMatch(/for small clinics and patients\./);
  });

  it("when the features quote the client's sentences, then the emails still name the idea's things, its named system and offline use in words of their own", () => {
    const intake = tune.find((t) => /xero/i.test(t.intake.idea) && /offline/i.test(t.intake.idea))!.intake;
    const drafted = draftBrief(intake, requireSector(intake.sector));
    // Four-word runs of the client's own sentence: quoted back, they count for nothing.
    const quoted = [
      "Write the litres collected, the tank temperature",
      "Sync when the truck is back in range",
    ];
    const brief = {
      ...drafted,
      keyFeatures: drafted.keyFeatures.slice(0, 3).map((f, i) => ({
        ...f,
        name: quoted[i % quoted.length]!,
        action: undefined,
        description: `Drivers can ${quoted[i % quoted.length]!.toLowerCase()}.`,
      })),
    };
    const sector = requireSector(brief.sector.id);
    const market = draftMarket(brief, sector);
    const prd = draftPrd(brief, market, sector);
    const campaign = draftCampaign(
      brief,
      prd,
      draftExplainer(brief, draftWireframes(brief, market, prd, sector)),
      "Ana",
    );
    const own = copyTexts(campaign)
      .map((t) => withoutQuotedRuns(t, `${intake.idea}\n${intake.goals ?? ""}`))
      .join("\n");
    for (const word of [/xero/i, /offline/i, /farm/i, /litre/i]) expect(own, own).toMatch(word);
    expect(emailGrammar(intake, campaign)).toEqual([]);
  });

  it("when a sentence breaks agreement, then the grammar check over the emails finds it", () => {
    const intake = tune[0]!.intake;
    const campaign = campaignFor(intake);
    const broken = {
      emails: campaign.emails.map((e, i) =>
        i === 0 ? { ...e, paragraphs: [...e.paragraphs, "The clinics has a waitlist."] } : e,
      ),
    };
    expect(emailGrammar(intake, broken).join("\n")).toMatch(/clinics has/);
  });

  it("when the recipient's name carries markup, then the greeting names them in plain words", () => {
    const intake = tune[0]!.intake;
    const brief = draftBrief(intake, requireSector(intake.sector));
    const sector = requireSector(brief.sector.id);
    const market = draftMarket(brief, sector);
    const prd = draftPrd(brief, market, sector);
    const explainer = draftExplainer(brief, draftWireframes(brief, market, prd, sector));
    const copy = draftCampaign(brief, prd, explainer, "<b>Ana</b>  <i>Lima</i>");
    const text = JSON.stringify(copy);
    expect(text).toContain("Hi Ana Lima,");
    expect(text).not.toMatch(/<b>|<i>/);
  });
});
