/**
 * The API's and the worker's main thread must not load the pipeline (LangGraph, the LangChain
 * providers, the Svelte compiler): only the run thread runs it. Nor the SDKs of the storage and
 * posting adapters: each loads when the configuration picks its adapter. A child process imports the
 * modules bin/server.ts and bin/worker.ts are built from, with a resolve hook recording every
 * module it loads; no fakes. scripts/bench-production.test.ts checks the same of the bundle.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), "main-isolate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// esbuild is not listed: tsx, which loads these sources, runs it (the bundle's test lists it).
// The SDKs of adapters a configuration may not pick (S3, Supabase, X, YouTube) load with the adapter.
const PIPELINE =
  /node_modules\/(@langchain\/|svelte\/|@qdrant\/|@aws-sdk\/|@supabase\/|twitter-api-v2\/|@googleapis\/)/;

/** The node_modules packages a child process loads when it imports `modules`. */
function loadedBy(modules: string[], name: string): string[] {
  const log = path.join(dir, `${name}.log`);
  const imports = modules.map((m) => `await import(${JSON.stringify(m)});`).join(" ");
  execFileSync(
    process.execPath,
    ["--import", path.join(here, "../testing/record-resolved.mjs"), "--import", "tsx", "-e", imports],
    { cwd: here, env: { ...process.env, RECORD_RESOLVED: log }, stdio: ["ignore", "ignore", "inherit"] },
  );
  return readFileSync(log, "utf8")
    .split("\n")
    .filter((url) => PIPELINE.test(url));
}

describe("the main thread's modules", () => {
  it("when the API's and the worker's modules are imported, then no pipeline package and no optional adapter's SDK is loaded", () => {
    const modules = ["./agency.ts", "./http/app.ts", "../config.ts", "../observability/sentry.ts"];
    expect(loadedBy(modules, "main")).toEqual([]);
  }, 60_000);

  it("when the agents' root is imported (as the run thread does), then LangGraph is loaded and seen", () => {
    expect(loadedBy(["@roboagency/agents"], "pipeline").join("\n")).toMatch(/@langchain\/langgraph\//);
  }, 60_000);
});
