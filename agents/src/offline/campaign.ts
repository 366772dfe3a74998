/**
 * Offline copy for the three warm-up emails. Copy only: links are added by the renderer from the
 * project context, so no drafted text can point anywhere else.
 */
import type { Brief, CampaignCopy, Explainer, Prd } from "../schemas.ts";

export function draftCampaign(
  brief: Brief,
  prd: Prd,
  explainer: Explainer,
  recipientName: string | undefined,
): CampaignCopy {
  const hello = recipientName?.trim() ? `Hi ${recipientName.trim()},` : "Hi,";
  const features = brief.keyFeatures.map((f) => f.name.toLowerCase());
  const screens = explainer.scenes.length - 2;
  const closest = prd.competitive.rows[0]?.product;
  return {
    emails: [
      {
        step: "demo",
        subject: `Your ${brief.productName} demo is ready`,
        preheader: `A ${Math.round(explainer.totalSeconds)}-second walkthrough of ${features[0] ?? "your idea"} and more.`,
        heading: `${brief.productName}, first look`,
        paragraphs: [
          hello,
          `We turned your idea into a first product plan for ${brief.targetUsers[0]?.name.toLowerCase() ?? "your users"}: ${features.slice(0, 3).join(", ")}.`,
          `Your project page has the explainer (${explainer.scenes.length} scenes), the market map${closest ? `, with ${closest} as the closest reference,` : ""} and the product requirements.`,
        ],
        cta: { label: "Watch the demo", target: "project" },
      },
      {
        step: "prototype",
        subject: `Click through ${brief.productName}`,
        preheader: `${screens + 1} screens you can try in your browser.`,
        heading: "Your clickable prototype",
        paragraphs: [
          hello,
          `The prototype has ${screens + 1} screens, from the home page to ${features[features.length - 1] ?? "the last feature"}. It runs in your browser and stores nothing.`,
          "Try it with someone from your audience and note where they hesitate; that is the best input for the next iteration.",
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
          `We drafted the scope and ${prd.userStories.length} user stories${brief.constraints.timeline?.weeks ? ` for a ${brief.constraints.timeline.weeks}-week timeline` : ""}. A short call is the fastest way to adjust them to what matters most to you.`,
          "Pick a time that suits you; we will bring the plan and the open questions.",
        ],
        cta: { label: "Book a call", target: "calendar" },
      },
    ],
  };
}
