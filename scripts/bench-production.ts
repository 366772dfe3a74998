/**
 * What production runs, for `npm run bench`: the orchestrator bundled by the Dockerfile's own
 * esbuild command (dist/server.js, dist/worker.js, dist/run-thread.js, no transpiling at run
 * time) and the portal's built adapter-node server (services/frontend/server.js), each started
 * as its image's CMD starts it.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { composeConfig } from "../stack/compose.ts";
import { nodeMemoryEnv, serviceDefinitions, type BuiltImage } from "../stack/containers.ts";
import { imageEnv } from "../stack/images.ts";

const root = path.resolve(import.meta.dirname, "..");
export const ORCHESTRATOR_DIST = path.join(root, "services/orchestrator/dist");
export const PORTAL_SERVER = path.join(root, "services/frontend/server.js");

/** The esbuild command of the orchestrator's Dockerfile, its line continuations joined. */
export function dockerfileEsbuildCommand(dockerfile: string): string {
  const joined = dockerfile.replace(/\\\n/g, " ");
  const line = joined.split("\n").find((l) => /^RUN npx esbuild /.test(l));
  if (!line) throw new Error("no `RUN npx esbuild …` line in services/orchestrator/Dockerfile");
  return line.replace(/^RUN /, "").replace(/\s+/g, " ").trim();
}

/** Bundles the orchestrator as the image does, into services/orchestrator/dist (about a second). */
export function buildOrchestrator(): void {
  const dockerfile = readFileSync(path.join(root, "services/orchestrator/Dockerfile"), "utf8");
  execFileSync("sh", ["-c", `${dockerfileEsbuildCommand(dockerfile)} --log-level=warning`], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
  });
}

/** Where the bench's processes come from: the image, and the container the stack runs it as. */
const PROCESSES = {
  api: { image: "orchestrator", container: "orchestrator-1" },
  worker: { image: "orchestrator", container: "worker" },
  portal: { image: "frontend", container: "frontend-1" },
} as const satisfies Record<string, { image: BuiltImage; container: string }>;

/**
 * The environment a process of the bench starts with, as production starts it: its image's ENV
 * lines, then what the stack sets on its container about memory (MALLOC_ARENA_MAX, NODE_OPTIONS
 * with the heap sized to the container's limit in docker-compose.yml, the smallest server's), with
 * the image's paths pointed at this checkout. Nothing the stack does not set.
 */
export function containerEnv(kind: keyof typeof PROCESSES): Record<string, string> {
  const { image, container } = PROCESSES[kind];
  const env = imageEnv(image, root);
  const def = serviceDefinitions(composeConfig()).find((d) => d.name === container);
  if (!def) throw new Error(`the stack runs no container named ${container}`);
  for (const key of Object.keys(nodeMemoryEnv(image, def.memoryMb))) {
    const value = def.env[key];
    if (value === undefined) throw new Error(`the stack sets no ${key} on ${container}`);
    env[key] = value;
  }
  if (image === "orchestrator") {
    // The bundle finds the agents workspace and the migrations where the image copies them.
    env.AGENCY_AGENTS_DIR = path.join(root, "agents");
    env.AGENCY_MIGRATIONS_DIR = path.join(root, "services/orchestrator/migrations");
  }
  return env;
}

const STATIC_IMPORT = /^(?:import|export)\s[^;]*?from\s*"([^"]+)"|^import\s*"([^"]+)"/gm;

/**
 * The packages a bundle's entry loads when it starts: the specifiers of its static imports and
 * of the chunks those reach (dist/ is ESM, one `import … from "…"` statement per line group).
 * A chunk reached only by `import()` is not followed: it loads when that code runs.
 */
export function startupPackages(entry: string, dist = ORCHESTRATOR_DIST): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(path.join(dist, file), "utf8").matchAll(STATIC_IMPORT)) {
      const specifier = (m[1] ?? m[2])!;
      // A chunk is a file of dist/; "./App.svelte" and the like are the prototyper's templates.
      if (specifier.startsWith("./")) {
        if (existsSync(path.join(dist, specifier))) visit(specifier.slice(2));
      } else packages.add(specifier);
    }
  };
  visit(entry);
  return packages;
}
