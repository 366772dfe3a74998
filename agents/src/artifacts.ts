/**
 * Building artifacts, and the notice every offline draft carries inside its own content.
 */
import type { Artifact, StepName } from "./contracts.ts";

export const OFFLINE_NOTICE =
  "Offline draft: written by RoboAgency's offline drafting model from the intake and the sector knowledge base. Review before sharing.";

export const CONTENT_TYPES = {
  json: "application/json; charset=utf-8",
  markdown: "text/markdown; charset=utf-8",
  svg: "image/svg+xml",
  html: "text/html; charset=utf-8",
  text: "text/plain; charset=utf-8",
  svelte: "text/x-svelte; charset=utf-8",
} as const;

export function artifact(
  step: StepName,
  kind: string,
  name: string,
  contentType: keyof typeof CONTENT_TYPES,
  body: string,
  offlineDraft: boolean,
  prefix: Artifact["prefix"] = "docs",
): Artifact {
  if (body.trim() === "") throw new Error(`${step}: refusing to store an empty artifact "${name}"`);
  return { step, kind, name, contentType: CONTENT_TYPES[contentType], prefix, body, offlineDraft };
}

/** Pretty JSON with the offline notice up front, for JSON artifacts. */
export function jsonArtifactBody(value: object, offline: boolean): string {
  const labelled = offline ? { notice: OFFLINE_NOTICE, offlineDraft: true, ...value } : value;
  // Escaped angle brackets keep the JSON identical as data but inert if a viewer sniffs it as HTML.
  return `${JSON.stringify(labelled, null, 2).replace(/</g, "\\u003c").replace(/>/g, "\\u003e")}\n`;
}
