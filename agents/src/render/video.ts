/**
 * The explainer as an MP4: each scene is its wireframe (rasterised by ffmpeg's librsvg decoder) with
 * the caption burnt in, narrated by espeak-ng and held for the storyboard's duration, all encoded in
 * one ffmpeg run (H.264 + AAC, 640x360 at 5 fps: a slideshow needs no more). Without ffmpeg or
 * espeak-ng there is no MP4 and the reason says which tool is missing.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Explainer } from "../schemas.ts";

export interface ExplainerVideo {
  /** The MP4 when it was made. */
  mp4?: Buffer;
  /** Encoded duration, which matches the storyboard's total. */
  seconds?: number;
  /** Why there is no MP4. */
  reason?: string;
  ms: number;
}

const FPS = 5;
const WIDTH = 640;
const HEIGHT = 360;
const FONTS = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
];

let tools: { ok: true; font: string | undefined } | { ok: false; reason: string } | undefined;

function hasTool(cmd: string, arg: string): boolean {
  return spawnSync(cmd, [arg], { stdio: "ignore", timeout: 10_000 }).status === 0;
}

/** Whether this machine can make the MP4; checked once per process. */
export function videoTools(env: Record<string, string | undefined> = process.env): typeof tools & object {
  if (env["AGENCY_EXPLAINER_VIDEO"] === "off")
    return { ok: false, reason: "disabled by AGENCY_EXPLAINER_VIDEO=off" };
  if (tools) return tools;
  const missing = [
    hasTool("ffmpeg", "-version") ? undefined : "ffmpeg",
    hasTool("espeak-ng", "--version") ? undefined : "espeak-ng",
  ].filter(Boolean);
  if (missing.length) {
    tools = { ok: false, reason: `${missing.join(" and ")} not found on PATH; install them to get an MP4` };
  } else {
    const decoders = spawnSync("ffmpeg", ["-hide_banner", "-decoders"], { encoding: "utf8" }).stdout;
    tools = /\bsvg\b/.test(decoders)
      ? {
          ok: true,
          font: FONTS.find((f) => {
            try {
              return statSync(f).isFile();
            } catch {
              return false;
            }
          }),
        }
      : {
          ok: false,
          reason: "this ffmpeg has no SVG decoder (librsvg); install a build with --enable-librsvg",
        };
  }
  return tools;
}

/** Seconds of audio in a PCM WAV file as espeak-ng writes it. */
function wavSeconds(file: string): number {
  const wav = readFileSync(file);
  const byteRate = wav.readUInt32LE(28);
  let offset = 12;
  while (offset + 8 <= wav.length) {
    const id = wav.toString("ascii", offset, offset + 4);
    const size = wav.readUInt32LE(offset + 4);
    if (id === "data") return Math.min(size, wav.length - offset - 8) / byteRate;
    offset += 8 + size;
  }
  return 0;
}

function run(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}: ${stderr.trim()}`)),
    );
  });
}

export async function renderExplainerMp4(
  explainer: Explainer,
  svgs: ReadonlyMap<string, string>,
  env: Record<string, string | undefined> = process.env,
): Promise<ExplainerVideo> {
  const started = Date.now();
  const available = videoTools(env);
  if (!available.ok) return { reason: available.reason, ms: 0 };
  const dir = mkdtempSync(path.join(tmpdir(), "explainer-"));
  try {
    const inputs: string[] = [];
    const chains: string[] = [];
    // Intake-derived text goes to the tools only through files: never an argument, never a filter string.
    for (const [i, scene] of explainer.scenes.entries()) {
      writeFileSync(path.join(dir, `n${i}.txt`), scene.narration);
    }
    await Promise.all(
      explainer.scenes.map((_, i) => run("espeak-ng", ["-s", "165", "-f", `n${i}.txt`, "-w", `n${i}.wav`], dir)),
    );
    for (const [i, scene] of explainer.scenes.entries()) {
      const svg = svgs.get(scene.screenId);
      if (!svg)
        throw new Error(`explainer_producer: scene ${scene.id} shows unknown screen "${scene.screenId}"`);
      writeFileSync(path.join(dir, `s${i}.svg`), svg);
      writeFileSync(path.join(dir, `c${i}.txt`), scene.caption.slice(0, 60));
      const d = scene.durationSeconds.toFixed(3);
      // Narration longer than its scene is sped up (at most 1.6x) rather than cut off.
      const tempo = Math.min(
        1.6,
        Math.max(1, wavSeconds(path.join(dir, `n${i}.wav`)) / scene.durationSeconds),
      );
      inputs.push("-loop", "1", "-framerate", String(FPS), "-t", d, "-i", `s${i}.png`, "-i", `n${i}.wav`);
      const font = available.font ? `fontfile=${available.font}:` : "";
      chains.push(
        `[${2 * i}:v]crop=iw:min(ih\\,iw*${HEIGHT - 72}/${WIDTH}):0:0,scale=${WIDTH}:-2,pad=${WIDTH}:${HEIGHT}:0:0:white,` +
          `drawtext=${font}textfile=c${i}.txt:fontsize=22:fontcolor=white:box=1:boxcolor=0x1f2a44:boxborderw=14:x=(w-tw)/2:y=h-50,` +
          `fps=${FPS},format=yuv420p,setsar=1[v${i}]`,
        `[${2 * i + 1}:a]aresample=44100,aformat=channel_layouts=mono,atempo=${tempo.toFixed(3)},apad,atrim=0:${d},asetpts=N/SR/TB[a${i}]`,
      );
    }
    const n = explainer.scenes.length;
    // Rasterise each wireframe once; looping the SVG itself would re-render it for every frame.
    await run(
      "ffmpeg",
      [
        "-hide_banner",
        "-v",
        "error",
        "-y",
        ...explainer.scenes.flatMap((_, i) => ["-i", `s${i}.svg`]),
        ...explainer.scenes.flatMap((_, i) => ["-map", `${i}:v`, "-frames:v", "1", `s${i}.png`]),
      ],
      dir,
    );
    const concat = `${explainer.scenes.map((_, i) => `[v${i}][a${i}]`).join("")}concat=n=${n}:v=1:a=1[v][a]`;
    await run(
      "ffmpeg",
      [
        "-hide_banner",
        "-v",
        "error",
        "-y",
        ...inputs,
        "-filter_complex",
        [...chains, concat].join(";"),
        "-map",
        "[v]",
        "-map",
        "[a]",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-tune",
        "stillimage",
        "-crf",
        "34",
        "-c:a",
        "aac",
        "-b:a",
        "48k",
        "-movflags",
        "+faststart",
        "explainer.mp4",
      ],
      dir,
    );
    const mp4 = readFileSync(path.join(dir, "explainer.mp4"));
    return { mp4, seconds: explainer.totalSeconds, ms: Date.now() - started };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
