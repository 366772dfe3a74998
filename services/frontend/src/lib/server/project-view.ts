/**
 * What a project page shows, for the client portal and the ops console alike: the latest run's
 * steps, and its artifacts arranged by step, with markdown rendered on the server and every file
 * reachable through a signed link of this origin.
 */
import type { Artifact, ClientProject, QualityReport } from "../types.ts";
import { server } from "./config.ts";
import { renderMarkdown } from "./markdown.ts";
import { runFilesBase, type FilesOwner } from "./session.ts";

export interface ArtifactView extends Artifact {
  url: string;
  /** Rendered HTML of a markdown artifact shown inline. */
  html?: string;
  /** Top-level fields of a JSON summary shown inline (the brief). */
  fields?: Array<{ label: string; value: string }>;
  /** The run's quality report, when this artifact is it. */
  quality?: QualityReport;
}

export interface ProjectView {
  project: Omit<ClientProject, "latest_run">;
  run: ClientProject["latest_run"];
  artifacts: ArtifactView[];
}

const INLINE_MARKDOWN = /^(market-map|prd|okrs|explainer\/script)\.md$/;

const label = (key: string) =>
  key
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .replace(/[_-]/g, " ")
    .replace(/^./, (c) => c.toUpperCase());

function summaryFields(json: unknown): ArtifactView["fields"] {
  if (!json || typeof json !== "object") return [];
  const out: Array<{ label: string; value: string }> = [];
  for (const [key, value] of Object.entries(json)) {
    if (key === "notice" || key === "offlineDraft") continue;
    if (typeof value === "string" || typeof value === "number")
      out.push({ label: label(key), value: String(value) });
    else if (Array.isArray(value) && value.every((v) => typeof v === "string"))
      out.push({ label: label(key), value: value.join("; ") });
  }
  return out.slice(0, 16);
}

function parseJson(body: string | null): unknown {
  try {
    return body ? JSON.parse(body) : null;
  } catch {
    return null;
  }
}

/** One of a run's files, read with the owner's rights only. */
export function readRunFile(owner: FilesOwner, runId: string, name: string): Promise<Response> {
  return "client" in owner
    ? server().api.runFile(runId, name, owner.client)
    : server().ops.runFile(runId, name);
}

export async function projectView(project: ClientProject, owner: FilesOwner): Promise<ProjectView> {
  const { latest_run: run, ...rest } = project;
  if (!run) return { project: rest, run, artifacts: [] };
  const base = runFilesBase(run.id, owner);
  const text = async (runId: string, name: string) => {
    const res = await readRunFile(owner, runId, name);
    return res.ok ? res.text() : null;
  };
  const artifacts = await Promise.all(
    run.artifacts.map(async (a): Promise<ArtifactView> => {
      const view: ArtifactView = {
        ...a,
        url: `${base}/${a.name.split("/").map(encodeURIComponent).join("/")}`,
      };
      if (a.content_type.startsWith("text/markdown") && INLINE_MARKDOWN.test(a.name)) {
        const body = await text(run.id, a.name);
        if (body !== null) view.html = renderMarkdown(body);
      } else if (a.name === "quality-report.json") {
        const report = parseJson(await text(run.id, a.name)) as QualityReport | null;
        if (report && Array.isArray(report.artifacts)) view.quality = report;
      } else if (a.name === "brief.json") {
        view.fields = summaryFields(parseJson(await text(run.id, a.name)));
      }
      return view;
    }),
  );
  return { project: rest, run, artifacts };
}
