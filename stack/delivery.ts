/**
 * Files the server needs (the Caddyfile, monitoring configs, n8n workflows, rendered files,
 * secret files) collected from the repository and turned into one bash script that writes them,
 * run over SSH. One script per bundle keeps the resource count low and prunes files that left
 * the repository, so a deleted workflow is not imported again.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { REMOTE_ROOT, type ServiceDefinition } from "./containerSpec.ts";

export interface DeliveredFile {
  /** Absolute path on the server. */
  path: string;
  content: string;
  mode: string;
  owner?: string;
}

export class MissingFileError extends Error {
  constructor(
    readonly file: string,
    usedBy: string,
  ) {
    super(
      `${file} is missing: the ${usedBy} container mounts it. Restore it from git, or write it (monitoring/ is owned by the monitoring config, services/automation/workflows may be an empty folder).`,
    );
    this.name = "MissingFileError";
  }
}

/** Repository root: stack/ sits directly under it. */
export const REPO_ROOT = path.resolve(import.meta.dirname, "..");

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .sort();
}

/**
 * The repository files the containers mount, read from `root`. A mounted folder may be empty
 * (the n8n workflows) but must exist; a mounted file must exist.
 */
export function mountedFiles(
  services: ServiceDefinition[],
  root = REPO_ROOT,
): { files: DeliveredFile[]; dirs: string[] } {
  const files: DeliveredFile[] = [];
  const dirs: string[] = [];
  for (const service of services) {
    for (const mount of service.files) {
      const local = path.join(root, mount.source);
      const isWorkflows = mount.source === "services/automation/workflows";
      if (!existsSync(local)) {
        if (isWorkflows) {
          dirs.push(`${REMOTE_ROOT}/${mount.source}`);
          continue;
        }
        throw new MissingFileError(mount.source, service.name);
      }
      if (statSync(local).isDirectory()) {
        dirs.push(`${REMOTE_ROOT}/${mount.source}`);
        for (const file of listFiles(local)) {
          if (isWorkflows && !file.endsWith(".json")) continue;
          files.push({
            path: `${REMOTE_ROOT}/${path.relative(root, file)}`,
            content: readFileSync(file, "utf8"),
            mode: "0644",
          });
        }
      } else {
        files.push({
          path: `${REMOTE_ROOT}/${mount.source}`,
          content: readFileSync(local, "utf8"),
          mode: "0644",
        });
      }
    }
  }
  return { files: dedupe(files), dirs: [...new Set(dirs)] };
}

function dedupe(files: DeliveredFile[]): DeliveredFile[] {
  return [...new Map(files.map((f) => [f.path, f])).values()];
}

/** Hash of the files a service mounts, a label that replaces the container when they change. */
export function filesHash(files: DeliveredFile[], prefixes: string[]): string {
  const hash = createHash("sha256");
  for (const f of files.filter((f) => prefixes.some((p) => f.path === p || f.path.startsWith(`${p}/`)))) {
    hash.update(f.path).update("\0").update(f.content).update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

/** One shell word whatever `s` holds: single quotes, with each `'` closed, escaped and reopened. */
export const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * A bash script that writes `files` (atomically, each through a temporary file), removes files
 * in `dirs` that are not among them, then runs `after`. `rootPrefix` lets tests write into a
 * temporary folder instead of /.
 */
export function renderDeliveryScript(
  files: DeliveredFile[],
  opts: { dirs?: string[]; after?: string[]; rootPrefix?: string } = {},
): string {
  const at = (p: string) => `${opts.rootPrefix ?? ""}${p}`;
  const lines = ["set -euo pipefail", "umask 022"];
  for (const dir of opts.dirs ?? []) {
    lines.push(`install -d -m 0755 ${shellQuote(at(dir))}`);
    const keep = files
      .filter((f) => path.posix.dirname(f.path) === dir)
      .map((f) => `! -name ${shellQuote(path.posix.basename(f.path))}`);
    lines.push(`find ${shellQuote(at(dir))} -maxdepth 1 -type f ${keep.join(" ")} -delete`);
  }
  for (const f of files) {
    const target = shellQuote(at(f.path));
    lines.push(`install -d -m 0755 "$(dirname ${target})"`);
    lines.push(`tmp=$(mktemp "$(dirname ${target})/.agency.XXXXXX")`);
    lines.push(`base64 -d > "$tmp" <<'AGENCY_EOF'`, Buffer.from(f.content).toString("base64"), "AGENCY_EOF");
    lines.push(`chmod ${f.mode} "$tmp"`);
    if (f.owner) lines.push(`chown ${f.owner} "$tmp"`);
    lines.push(`mv -f "$tmp" ${target}`);
  }
  lines.push(...(opts.after ?? []));
  return `${lines.join("\n")}\n`;
}
