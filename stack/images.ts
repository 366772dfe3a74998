/**
 * The images built from this repository: what each is built from, the hash of exactly that build
 * context (a release is named by it), which release runs, and the pruning that keeps the last
 * two releases on the server. Nothing here touches Pulumi.
 */
import dockerignore from "@balena/dockerignore";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./delivery.ts";
import { DOCKERFILES, LOCAL_IMAGES, localImage, type BuiltImage, type ImageSpec } from "./containerSpec.ts";

const WORKSPACE_ROOT = ["package.json", "package-lock.json", "tsconfig.base.json"];

/**
 * What each image's Dockerfile copies, so a change rebuilds only the images it reaches: a portal
 * change leaves the orchestrator and the worker running.
 */
export const IMAGE_SOURCES: Record<BuiltImage, string[]> = {
  orchestrator: [
    ...WORKSPACE_ROOT,
    "packages/contracts",
    "agents",
    "services/orchestrator",
    "stack/package.json",
  ],
  frontend: [
    ...WORKSPACE_ROOT,
    "packages/contracts",
    "agents/package.json",
    "services/orchestrator/package.json",
    "stack/package.json",
    "services/frontend",
  ],
};

/**
 * The variables a Dockerfile's last stage sets (`ENV KEY=value KEY2="two words"`), which every
 * container of the image starts with.
 */
export function dockerfileEnv(dockerfile: string): Record<string, string> {
  const stages = dockerfile.replace(/\\\n/g, " ").split(/^FROM /m);
  const env: Record<string, string> = {};
  for (const line of stages.at(-1)!.split("\n")) {
    if (!/^ENV\s/.test(line)) continue;
    const pairs = line.slice(4).trim();
    const pair = /([A-Za-z_][A-Za-z0-9_]*)=(?:"((?:[^"\\]|\\.)*)"|(\S*))\s*/y;
    for (let at = 0; at < pairs.length;) {
      pair.lastIndex = at;
      const m = pair.exec(pairs);
      if (!m) throw new Error(`cannot read the Dockerfile line \`${line}\`: write ENV KEY=value pairs`);
      env[m[1]!] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3]!;
      at = pair.lastIndex;
    }
  }
  return env;
}

/** The variables the image built from this repository sets in its Dockerfile's last stage. */
export function imageEnv(image: BuiltImage, root = REPO_ROOT): Record<string, string> {
  return dockerfileEnv(readFileSync(path.join(root, DOCKERFILES[image]), "utf8"));
}

function git(root: string, args: string[]): string[] | undefined {
  const r = spawnSync("git", ["-C", root, ...args], { encoding: "buffer", maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) return undefined;
  return r.stdout.toString("utf8").split("\0").filter(Boolean);
}

function walk(root: string, rel = ""): string[] {
  return readdirSync(path.join(root, rel), { withFileTypes: true })
    .flatMap((e) => {
      const p = rel ? `${rel}/${e.name}` : e.name;
      return e.isDirectory() ? walk(root, p) : [p];
    })
    .sort();
}

/** The repository's .dockerignore as Docker applies it (@balena/dockerignore follows Docker's rules). */
function dockerIgnore(root: string) {
  const file = path.join(root, ".dockerignore");
  // A CommonJS module whose module.exports is also its .default.
  return dockerignore.default().add(existsSync(file) ? readFileSync(file, "utf8") : "");
}

/**
 * The files of the build context, relative to `root`: the files git tracks (what CI and a clean
 * clone have), less what .dockerignore leaves out. Outside a git checkout: every file less
 * .dockerignore, which is what Docker sends.
 */
export function contextFiles(root = REPO_ROOT): string[] {
  const tracked = git(root, ["ls-files", "-z", "--cached"]);
  const files = (tracked ?? walk(root)).filter((f) => existsSync(path.join(root, f)));
  return dockerIgnore(root).filter(files).sort();
}

const under = (file: string, paths: string[]) => paths.some((p) => file === p || file.startsWith(`${p}/`));

/** Hash of the context files under `paths`: names and contents, nothing else. */
export function contextHash(paths: string[], root = REPO_ROOT, files = contextFiles(root)): string {
  const hash = createHash("sha256");
  for (const f of files.filter((f) => under(f, paths))) {
    hash
      .update(f)
      .update("\0")
      .update(readFileSync(path.join(root, f)))
      .update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

/** Each built image's build hash, by image. */
export function buildHashes(root = REPO_ROOT): Record<BuiltImage, string> {
  const files = contextFiles(root);
  return {
    orchestrator: contextHash(IMAGE_SOURCES.orchestrator, root, files),
    frontend: contextHash(IMAGE_SOURCES.frontend, root, files),
  };
}

/** The same hashes keyed by Dockerfile, as containers.json shows them. */
export function buildHashesByDockerfile(hashes: Record<BuiltImage, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(DOCKERFILES).map(([k, f]) => [f, hashes[k as BuiltImage]]));
}

/**
 * Files Docker would send with the build that are not tracked by git (and so not in the hash):
 * a deploy from such a checkout could build something no commit holds. Empty outside git.
 */
export function untrackedInContext(root = REPO_ROOT): string[] {
  const paths = [...new Set(Object.values(IMAGE_SOURCES).flat())];
  const others = git(root, ["ls-files", "-z", "--others", "--directory", "--", ...paths]) ?? [];
  const ig = dockerIgnore(root);
  return others.filter((f) => !ig.ignores(f) && !ig.ignores(f.replace(/\/$/, ""))).sort();
}

/** A release: the build hash of each built image, written `<orchestrator>-<frontend>`. */
export type Release = Record<BuiltImage, string>;

const RELEASE = /^([a-f0-9]{16})-([a-f0-9]{16})$/;

export function formatRelease(r: Release): string {
  return `${r.orchestrator}-${r.frontend}`;
}

/** Parses agency:release; undefined when it is not `<16 hex>-<16 hex>`. */
export function parseRelease(value: string): Release | undefined {
  const m = RELEASE.exec(value);
  return m ? { orchestrator: m[1]!, frontend: m[2]! } : undefined;
}

/**
 * The images to run: the wanted release (agency:release, or the checkout's), each built from the
 * checkout when its hash is the checkout's, and otherwise run as it is on the server, unbuilt.
 */
export function releaseImages(current: Release, wanted: Release = current): Record<BuiltImage, ImageSpec> {
  return {
    orchestrator: localImage(
      "orchestrator",
      wanted.orchestrator,
      wanted.orchestrator === current.orchestrator,
    ),
    frontend: localImage("frontend", wanted.frontend, wanted.frontend === current.frontend),
  };
}

/** Releases kept on the server for a roll back: the running one and the one before it. */
export const KEPT_RELEASES = 2;

/**
 * A script for the server that removes every image of `repositories` but the newest
 * KEPT_RELEASES of each and the ones running now (`docker image rm` refuses an image a container
 * uses, and the script passes over it), then the build cache older than a week.
 */
export function renderPruneScript(repositories: string[], keep = KEPT_RELEASES): string {
  const lines = ["set -euo pipefail"];
  for (const repo of repositories) {
    lines.push(
      // Newest first by creation time; one line per image id (a release may carry several tags).
      `docker image ls --no-trunc --format '{{.CreatedAt}}\\t{{.ID}}' ${repo} | sort -r | awk -F '\\t' '!seen[$2]++ { print $2 }' | tail -n +${keep + 1} | while read -r id; do`,
      `  docker image rm "$id" >/dev/null 2>&1 && echo "pruned ${repo} $id" || echo "kept ${repo} $id (in use)"`,
      "done",
    );
  }
  lines.push("docker builder prune --force --filter until=168h >/dev/null || true");
  return `${lines.join("\n")}\n`;
}

/** The repositories whose old images are pruned: the built ones and the published ones in use. */
export function pruneRepositories(refs: string[]): string[] {
  const repos = refs
    .filter((r) => Object.values(LOCAL_IMAGES).some((l) => r.startsWith(`${l}:`)) || r.includes("@sha256:"))
    .map((r) => r.replace(/@sha256:.*$/, "").replace(/:[^/:]+$/, ""));
  return [...new Set(repos)].sort();
}
