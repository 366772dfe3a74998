/**
 * Where the agents workspace lives on disk. The prototyper reads the Svelte pattern library and
 * resolves the Svelte runtime from here. From source that is this file's parent; inside the
 * orchestrator image the code is bundled into dist/, so the workspace is found beside it instead.
 */
import { existsSync } from "node:fs";
import path from "node:path";

let found: string | undefined;

export function agentsDir(): string {
  if (found) return found;
  const candidates = [
    process.env["AGENCY_AGENTS_DIR"],
    path.resolve(import.meta.dirname, ".."),
    path.resolve(process.cwd(), "agents"),
    process.cwd(),
  ].filter((c): c is string => Boolean(c));
  found = candidates.find((dir) => existsSync(path.join(dir, "kb", "ui-patterns", "Nav.svelte")));
  if (!found) {
    throw new Error(
      `Cannot find the agents workspace (kb/ui-patterns) in ${candidates.join(", ")}. Set AGENCY_AGENTS_DIR to the agents/ folder.`,
    );
  }
  return found;
}
