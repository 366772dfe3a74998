/**
 * Offline explainer storyboard: one scene per wireframe screen plus a closing scene, with narration
 * timed at a steady speaking rate so the player and, later, a voice track agree on timing.
 */
import { audienceOf } from "./grammar.ts";
import type { Brief, Explainer, Screen, Wireframes } from "../schemas.ts";
import { joinList, tokenize } from "../text/index.ts";
import { featureAction } from "./prd.ts";

export const WORDS_PER_SECOND = 2.5;
const MIN_SCENE_SECONDS = 3;

export function narrationSeconds(narration: string): number {
  const words = tokenize(narration).length;
  return Math.max(MIN_SCENE_SECONDS, Math.round((words / WORDS_PER_SECOND) * 10) / 10);
}

function regionSummary(screen: Screen): string {
  const labels = screen.regions
    .filter((r) => r.pattern !== "nav" && r.pattern !== "footer")
    .map((r) => `the ${r.label.charAt(0).toLowerCase()}${r.label.slice(1)}`);
  return joinList(labels);
}

export function draftExplainer(brief: Brief, wireframes: Wireframes): Explainer {
  const audience = audienceOf(brief);
  const [landing, ...rest] = wireframes.screens;
  if (!landing) throw new Error("explainer_producer: the wireframes have no screens");
  const scenes: Omit<Explainer["scenes"][number], "startSeconds" | "durationSeconds">[] = [
    {
      id: "intro",
      screenId: landing.id,
      caption: `${brief.productName}: ${landing.title.toLowerCase()}`,
      narration: `Meet ${brief.productName}, built for ${audience}. ${brief.problemStatement.split(/(?<=[.!?])\s+/)[0]}`,
    },
    ...rest.map((screen, i) => {
      const feature = brief.keyFeatures.find((f) => f.id === screen.featureId);
      return {
        id: `scene-${i + 2}`,
        screenId: screen.id,
        caption: screen.title,
        narration: `Step ${i + 1}: ${(feature ? featureAction(feature) : screen.title).toLowerCase()}. ${feature?.description ?? screen.purpose} The screen shows ${regionSummary(screen)}.`,
      };
    }),
    {
      id: "outro",
      screenId: landing.id,
      caption: `Try ${brief.productName}`,
      narration: `With ${brief.productName}, ${audience} can ${joinList(
        brief.keyFeatures.slice(0, 3).map(featureAction),
      )}. Open the prototype and click through it yourself.`,
    },
  ];
  let start = 0;
  const timed = scenes.map((scene) => {
    const durationSeconds = narrationSeconds(scene.narration);
    const s = { ...scene, startSeconds: Math.round(start * 10) / 10, durationSeconds };
    start += durationSeconds;
    return s;
  });
  return {
    title: `${brief.productName} in ${Math.round(start)} seconds`,
    wordsPerSecond: WORDS_PER_SECOND,
    totalSeconds: Math.round(start * 10) / 10,
    scenes: timed,
  };
}
