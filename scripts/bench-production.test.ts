/** Builds the orchestrator with the Dockerfile's real esbuild command; no fakes. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildOrchestrator, dockerfileEsbuildCommand, ORCHESTRATOR_DIST } from "./bench-production.ts";

describe("scripts/bench-production", () => {
  it("when the Dockerfile has no esbuild step, then the bench says so instead of running stale code", () => {
    expect(() => dockerfileEsbuildCommand("FROM node:22\nRUN npm ci\n")).toThrow(/RUN npx esbuild/);
  });

  it("when the orchestrator is built as the image builds it, then the bundle keeps its JSON import attribute", () => {
    buildOrchestrator();
    for (const entry of ["server.js", "worker.js", "run-thread.js"]) {
      const bundle = readFileSync(path.join(ORCHESTRATOR_DIST, entry), "utf8");
      // Without the attribute Node refuses to load the bundle (ERR_IMPORT_ATTRIBUTE_MISSING).
      expect(bundle, entry).toContain('from "stopwords-iso" with { type: "json" }');
    }
  }, 60_000);
});
