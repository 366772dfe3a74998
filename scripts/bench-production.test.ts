/** Builds the orchestrator with the Dockerfile's real esbuild command; no fakes. */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import {
  buildOrchestrator,
  dockerfileEsbuildCommand,
  ORCHESTRATOR_DIST,
  containerEnv,
  startupPackages,
} from "./bench-production.ts";

const ROOT = path.resolve(import.meta.dirname, "..");

describe("scripts/bench-production", () => {
  it("when the Dockerfile has no esbuild step, then the bench says so instead of running stale code", () => {
    expect(() => dockerfileEsbuildCommand("FROM node:22\nRUN npm ci\n")).toThrow(/RUN npx esbuild/);
  });

  it("when the orchestrator is built as the image builds it, then the bundle keeps its JSON import attribute", () => {
    buildOrchestrator();
    const files = readdirSync(ORCHESTRATOR_DIST).filter((f) => f.endsWith(".js"));
    const imports = files.flatMap((f) =>
      [...readFileSync(path.join(ORCHESTRATOR_DIST, f), "utf8").matchAll(/from "stopwords-iso".*/g)].map(
        (m) => m[0],
      ),
    );
    expect(imports.length).toBeGreaterThan(0);
    // Without the attribute Node refuses to load the bundle (ERR_IMPORT_ATTRIBUTE_MISSING).
    for (const line of imports) expect(line).toContain('from "stopwords-iso" with { type: "json" }');
    // The run thread loads the pipeline when it starts; the detection below would miss nothing else.
    expect(startupPackages("run-thread.js")).toContain("@langchain/langgraph");
  }, 60_000);

  it("when the API or the worker starts from the bundle, then its main thread loads no pipeline", () => {
    buildOrchestrator();
    for (const entry of ["server.js", "worker.js"]) {
      const loaded = [...startupPackages(entry)];
      expect(loaded, entry).toContain("pg");
      expect(
        loaded.filter((p) => /^@langchain\/|^svelte|^@qdrant\/|^esbuild$/.test(p)),
        entry,
      ).toEqual([]);
    }
    // Nor does any process load the SDK of a store or a platform before its adapter is chosen.
    for (const entry of ["server.js", "worker.js", "run-thread.js"]) {
      expect(
        [...startupPackages(entry)].filter((p) =>
          /^@aws-sdk\/|^@supabase\/|^twitter-api-v2$|^@googleapis\//.test(p),
        ),
        entry,
      ).toEqual([]);
    }
  }, 60_000);

  it("when the bench starts the API, the worker and the portal, then each has its image's ENV and its compose container's memory settings", () => {
    const compose = parse(readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8")) as {
      services: Record<string, { environment: Record<string, string> }>;
    };
    const containers = { api: "orchestrator-1", worker: "worker", portal: "frontend-1" } as const;
    for (const [kind, container] of Object.entries(containers) as [keyof typeof containers, string][]) {
      const env = containerEnv(kind);
      const their = compose.services[container]!.environment;
      expect(env.NODE_OPTIONS, kind).toBe(their.NODE_OPTIONS);
      expect(env.NODE_OPTIONS, kind).toMatch(/^--max-semi-space-size=\d+ --max-old-space-size=\d+$/);
      expect(env.MALLOC_ARENA_MAX, kind).toBe(their.MALLOC_ARENA_MAX);
      expect(env.NODE_ENV, kind).toBe("production");
    }
    expect(containerEnv("worker").MALLOC_ARENA_MAX).toBe("2");
    // The image's /app paths are this checkout's.
    expect(containerEnv("api").AGENCY_MIGRATIONS_DIR).toBe(
      path.join(ROOT, "services/orchestrator/migrations"),
    );
  });
});
