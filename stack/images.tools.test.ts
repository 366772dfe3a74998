/**
 * Build hashes from real git checkouts: the render of a fresh clone and of a clone full of
 * untracked clutter (the log files, env files and scratch files a working copy collects) give the
 * same build_hash in containers.json; a change to a tracked source does not. Real git, no fakes.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { render } from "./bin/render.ts";
import { REPO_ROOT } from "./delivery.ts";
import { renderPruneScript, untrackedInContext } from "./images.ts";

function clone(): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "agency-clone-")), "repo");
  execFileSync("git", ["clone", "--quiet", "--no-hardlinks", REPO_ROOT, dir]);
  return dir;
}

function buildHashes(root: string): Record<string, string> {
  const out = mkdtempSync(path.join(tmpdir(), "render-hash-"));
  render("prod", out, root);
  const containers = JSON.parse(readFileSync(path.join(out, "containers.json"), "utf8")) as {
    name: string;
    build_hash?: string;
  }[];
  return Object.fromEntries(containers.filter((c) => c.build_hash).map((c) => [c.name, c.build_hash!]));
}

const put = (root: string, rel: string, text: string) => {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), text);
};

describe("build hashes", () => {
  it("when one clone is clean and another has untracked clutter, then both renders give the same build hashes", () => {
    const clean = clone();
    const cluttered = clone();
    for (const rel of [
      "debug.log",
      ".env.local",
      "services/orchestrator/debug.log",
      "services/orchestrator/.env.local",
      "services/frontend/.svelte-kit/output/x.js",
      "services/orchestrator/node_modules/left-over/index.js",
      "agents/dist/bundle.js",
    ])
      put(cluttered, rel, `clutter ${rel}\n`);
    const a = buildHashes(clean);
    const b = buildHashes(cluttered);
    expect(Object.keys(a).sort()).toEqual([
      "frontend-1",
      "frontend-2",
      "orchestrator-1",
      "orchestrator-2",
      "worker",
    ]);
    expect(b).toEqual(a);
    expect(untrackedInContext(cluttered)).toEqual([]);

    // A file Docker would send but git does not track is named (and kept out of the hash).
    put(cluttered, "services/orchestrator/scratch.ts", "export {};\n");
    expect(untrackedInContext(cluttered)).toEqual(["services/orchestrator/scratch.ts"]);
    expect(buildHashes(cluttered)).toEqual(a);

    // A change to a tracked source changes the hash of the images built from it, and only those.
    put(cluttered, "services/frontend/src/app.html", "<!doctype html>changed\n");
    const c = buildHashes(cluttered);
    expect(c["frontend-1"]).not.toBe(a["frontend-1"]);
    expect(c["orchestrator-1"]).toBe(a["orchestrator-1"]);
  }, 120_000);

  it("when old releases pile up, then the prune script keeps the newest two and those in use", () => {
    // A stand-in for the docker CLI (no engine here): it lists four images and records removals.
    const dir = mkdtempSync(path.join(tmpdir(), "prune-"));
    put(
      dir,
      "bin/docker",
      [
        "#!/usr/bin/env bash",
        'case "$1 $2" in',
        '  "image ls") printf "2026-12-01 10:00:00 +0000 UTC\\tsha256:c\\n2026-11-01 10:00:00 +0000 UTC\\tsha256:a\\n2026-12-02 10:00:00 +0000 UTC\\tsha256:d\\n2026-11-15 10:00:00 +0000 UTC\\tsha256:b\\n2026-11-15 10:00:00 +0000 UTC\\tsha256:b\\n" ;;',
        '  "image rm") echo "$3" >> "$PRUNE_LOG"; [ "$3" != sha256:b ] ;;',
        "  *) ;;",
        "esac",
      ].join("\n"),
    );
    execFileSync("chmod", ["+x", path.join(dir, "bin/docker")]);
    const log = path.join(dir, "removed");
    const out = execFileSync("bash", ["-s"], {
      input: renderPruneScript(["agency/orchestrator"]),
      env: { PATH: `${dir}/bin:${process.env.PATH}`, PRUNE_LOG: log },
      encoding: "utf8",
    });
    expect(readFileSync(log, "utf8").trim().split("\n")).toEqual(["sha256:b", "sha256:a"]);
    expect(out).toContain("kept agency/orchestrator sha256:b (in use)");
    expect(out).toContain("pruned agency/orchestrator sha256:a");
  });
});
