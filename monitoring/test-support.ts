/**
 * What the monitoring tests share: the real Prometheus/Alertmanager tools, YAML loading, and a
 * scratch copy of the configs laid out as in the containers.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";

export const repoRoot = path.resolve(import.meta.dirname, "..");
export const monitoringDir = import.meta.dirname;

const installHint: Record<string, string> = {
  promtool: "apt-get install prometheus (Debian ships promtool with it)",
  amtool: "apt-get install prometheus-alertmanager",
};

export interface ToolResult {
  status: number;
  output: string;
}

/**
 * Runs promtool or amtool. A missing tool is an error, never a skip: these checks are the only
 * proof the configs load.
 */
export function runTool(
  tool: "promtool" | "amtool",
  args: readonly string[],
  cwd = monitoringDir,
): ToolResult {
  const result = spawnSync(tool, args, { cwd, encoding: "utf8", timeout: 30_000 });
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === "ENOENT";
    throw new Error(
      missing
        ? `${tool} is not installed or not on PATH; install it: ${installHint[tool]}.`
        : `${tool} ${args.join(" ")} could not run: ${result.error.message}`,
    );
  }
  return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

// js-yaml arrives with eslint and @pulumi/pulumi; the monitoring folder is not a workspace of its own.
const require = createRequire(import.meta.url);
const yaml = require("js-yaml") as { load(text: string): unknown };

export function loadYaml<T>(relativePath: string): T {
  return yaml.load(readFileSync(path.join(monitoringDir, relativePath), "utf8")) as T;
}

/** A temporary copy of monitoring/, removed by the returned cleanup. */
export function scratchCopy(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), "agency-monitoring-"));
  cpSync(monitoringDir, dir, { recursive: true, filter: (source) => !source.endsWith(".ts") });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function alertRules(): AlertRule[] {
  const file = loadYaml<{ groups: { name: string; rules: AlertRule[] }[] }>("prometheus/alerts.yml");
  return file.groups.flatMap((group) => group.rules);
}
