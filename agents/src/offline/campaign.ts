/**
 * Offline copy for the three warm-up emails, written about the client's own idea: its audience,
 * its core actions and the open questions. Copy only: links are added by the renderer from the
 * project context, so no drafted text can point anywhere else.
 */
import type { Brief, CampaignCopy, Explainer, Prd } from "../schemas.ts";
import { joinList, stripMarkup } from "../text/index.ts";
import { actorOf, audienceOf } from "./grammar.ts";
import { featureAction } from "./prd.ts";
import { type IdeaTerm, ideaVocabulary, names, unquoted } from "./vocabulary.ts";

const MAX_MORE = 6;

/**
 * The idea's people, things and named systems the emails have not named yet, said in a sentence of
 * our own: "It also covers the monthly statement, the sample barcode and Xero." Each term joins
 * only when the sentence still says it in our words, not as a run quoted from the client.
 */
function alsoCovers(brief: Brief, written: string): string | undefined {
  const source = `${brief.idea}\n${brief.goals.join("\n")}`;
  const vocabulary = ideaVocabulary(brief);
  // The central terms first, then the idea's other things while the sentence has room.
  const unsaid = vocabulary.terms.filter((t) => t.kind !== "offline" && !names(written, t));
  const central = (t: IdeaTerm) => t.weight > 1 || t.kind !== "thing";
  const terms = [...unsaid.filter(central), ...unsaid.filter((t) => !central(t))];
  const said: IdeaTerm[] = [];
  const sentence = (ts: IdeaTerm[]) => `It also covers ${joinList(ts.map((t) => t.phrase))}.`;
  for (const term of terms) {
    if (said.length >= MAX_MORE) break;
    if (said.some((t) => names(t.phrase, term) || names(term.phrase, t))) continue;
    if (unquoted(sentence([...said, term]), source)) said.push(term);
  }
  const offline = vocabulary.terms.some((t) => t.kind === "offline") && !/\boffline\b/i.test(written);
  if (!said.length && !offline) return undefined;
  const parts = [
    ...(said.length ? [sentence(said)] : []),
    ...(offline ? ["It keeps working offline and catches up once the connection is back."] : []),
  ];
  return parts.join(" ");
}

/** The screen titles the explainer shows, in order, without the home scene's product name. */
function screenList(explainer: Explainer): string[] {
  return explainer.scenes
    .slice(1, -1)
    .map((s) => s.caption)
    .filter((c, i, all) => c && all.indexOf(c) === i);
}

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
  // A name is greeted as plain words: markup in it ("<b>Ann</b>") is no part of the name.
  const name = stripMarkup(recipientName ?? "")
    .replace(/\s+/g, " ")
    .trim();
  const hello = name ? `Hi ${name},` : "Hi,";
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
  const plan = `We turned your idea into a first product plan for ${everyone}. In it, ${whoDoesWhat(brief, audience)}.`;
  const screenTitles = screenList(explainer);
  const tour = screenTitles.length
    ? `The screens after the home page: ${screenTitles.join("; ")}.`
    : undefined;
  const more = alsoCovers(brief, [plan, tour ?? ""].join("\n"));
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
          plan,
          ...(more ? [more] : []),
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
          ...(tour ? [tour] : []),
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
