/**
 * The Debian packages the test suite drives for real, by the command (or file) each provides.
 * `npm test` and .ci/run install what is missing (as root, with apt-get), or say how to.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export const TEST_TOOLS: Record<string, string> = {
  "redis-server": "redis-server",
  psql: "postgresql-client",
  pg_dump: "postgresql-client",
  // The backups' uploads (stack/backup/restore.drill.test.ts).
  rclone: "rclone",
  caddy: "caddy",
  promtool: "prometheus",
  amtool: "prometheus-alertmanager",
  "cloud-init": "cloud-init",
  chromium: "chromium",
  // The explainer MP4: narration, wireframes rasterised by ffmpeg's librsvg, captions in DejaVu.
  ffmpeg: "ffmpeg",
  ffprobe: "ffmpeg",
  "espeak-ng": "espeak-ng",
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf": "fonts-dejavu-core",
};

export function hasCommand(cmd: string): boolean {
  if (cmd.startsWith("/")) return existsSync(cmd);
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

export function missingPackages(tools = TEST_TOOLS): string[] {
  return [
    ...new Set(
      Object.entries(tools)
        .filter(([cmd]) => !hasCommand(cmd))
        .map(([, pkg]) => pkg),
    ),
  ];
}

/** Installs the missing packages when this process may; otherwise explains the one command to run. */
export function ensurePackages(tools = TEST_TOOLS): void {
  const missing = missingPackages(tools);
  if (missing.length === 0) return;
  const canInstall = process.getuid?.() === 0 && hasCommand("apt-get");
  if (!canInstall) {
    throw new Error(
      `The tests drive real tools that are not installed: ${missing.join(", ")}.\n` +
        `Install them with: sudo apt-get update && sudo apt-get install -y ${missing.join(" ")}`,
    );
  }
  console.log(`Installing Debian packages the tests need: ${missing.join(", ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [
    ["update", "-qq"],
    ["install", "-y", "-qq", "--no-install-recommends", ...missing],
  ]) {
    const r = spawnSync("apt-get", args, { stdio: "inherit", env });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(" ")} failed with exit code ${r.status}`);
  }
}
