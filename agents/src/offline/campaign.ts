/**
 * Offline copy for the three warm-up emails, written about the client's own idea: its audience,
 * its core actions and the open questions. Copy only: links are added by the renderer from the
 * project context, so no drafted text can point anywhere else.
 */
import type { Brief, CampaignCopy, Explainer, Prd } from "../schemas.ts";
import { joinList } from "../text/index.ts";
import { actorOf, audienceOf } from "./grammar.ts";
import { featureAction } from "./prd.ts";

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 3);
  return `${cut.slice(0, cut.lastIndexOf(" "))}...`;
}

/** Every feature, said by who does it: "tenants can report …; the landlord can get …". */
function whoDoesWhat(brief: Brief, audience: string): string {
  const groups = new Map<string, string[]>();
  for (const f of brief.keyFeatures) {
    const who = actorOf(f, audience);
    groups.set(who, [...(groups.get(who) ?? []), featureAction(f)]);
  }
  if (groups.size === 0) return "they can try your idea";
  return [...groups.entries()]
    .map(([who, acts]) => `${groups.size === 1 && who === audience ? "they" : who} can ${joinList(acts)}`)
    .join("; ");
}

export function draftCampaign(
  brief: Brief,
  prd: Prd,
  explainer: Explainer,
  recipientName: string | undefined,
): CampaignCopy {
  const hello = recipientName?.trim() ? `Hi ${recipientName.trim()},` : "Hi,";
  const audience = audienceOf(brief);
  // Everyone the client named, not only the first: "for landlords and tenants".
  const named = brief.targetUsers
    .filter((u) => u.source === "idea")
    .slice(0, 3)
    .map((u) => (/^\p{Lu}{2,}/u.test(u.name) ? u.name : u.name.charAt(0).toLowerCase() + u.name.slice(1)));
  const everyone = named.length > 1 ? joinList(named) : audience;
  const actions = brief.keyFeatures.map(featureAction);
  const core = actions[0] ?? "try your idea";
  const coreActor = brief.keyFeatures[0] ? actorOf(brief.keyFeatures[0], audience) : audience;
  const lastActor = brief.keyFeatures.length
    ? actorOf(brief.keyFeatures[brief.keyFeatures.length - 1]!, audience)
    : audience;
  const last = actions[actions.length - 1] ?? core;
  const screens = explainer.scenes.length - 2;
  const closest = prd.competitive.rows[0]?.product;
  const questions = prd.openQuestions ?? [];
  return {
    emails: [
      {
        step: "demo",
        subject: clip(`Your ${brief.productName} demo: ${core}`, 120),
        preheader: clip(
          `A ${Math.round(explainer.totalSeconds)}-second walkthrough of how ${coreActor} can ${core}.`,
          160,
        ),
        heading: `${brief.productName}, first look`,
        paragraphs: [
          hello,
          `We turned your idea into a first product plan for ${everyone}. In it, ${whoDoesWhat(brief, audience)}.`,
          `Your project page has the explainer (${explainer.scenes.length} scenes), the market map${closest ? `, with ${closest} as the closest reference,` : ""} and the product requirements.`,
        ],
        cta: { label: "Watch the demo", target: "project" },
      },
      {
        step: "prototype",
        subject: clip(`Click through ${brief.productName}: ${core}`, 120),
        preheader: `${screens + 1} screens you can try in your browser.`,
        heading: "Your clickable prototype",
        paragraphs: [
          hello,
          `The prototype has ${screens + 1} screens, from the home page to the screen where ${lastActor} can ${last}. It runs in your browser and stores nothing.`,
          `Try it with someone from ${audience} and note where they hesitate; that is the best input for the next iteration.`,
        ],
        cta: { label: "Open the prototype", target: "prototype" },
      },
      {
        step: "calendar",
        subject: `Shall we plan ${brief.productName} together?`,
        preheader: "30 minutes to agree on scope, budget and the first milestone.",
        heading: "Let's talk next steps",
        paragraphs: [
          hello,
          `We drafted the scope and ${prd.userStories.length} user stories${brief.constraints.timeline?.weeks ? ` for a ${brief.constraints.timeline.weeks}-week timeline` : ""}, starting with how ${coreActor} can ${core}. A short call is the fastest way to adjust them to what matters most to you.`,
          questions.length
            ? `We will bring the plan and ${questions.length === 1 ? "one open question" : `${questions.length} open questions`}, the first being: ${questions[0]}`
            : "Pick a time that suits you; we will bring the plan.",
        ],
        cta: { label: "Book a call", target: "calendar" },
      },
    ],
  };
}
