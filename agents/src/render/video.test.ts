/** Uses the REAL ffmpeg and espeak-ng on PATH (installed on this machine and in the worker image). */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { anIntake, runPipeline } from "../testing/builders.ts";
import { wireframeSvg } from "./svg.ts";
import { renderExplainerMp4, videoTools } from "./video.ts";

function probe(mp4: Buffer): {
  streams: { codec_type: string; codec_name: string }[];
  format: { duration: string };
} {
  const dir = mkdtempSync(path.join(tmpdir(), "probe-"));
  try {
    writeFileSync(path.join(dir, "x.mp4"), mp4);
    const out = spawnSync(
      "ffprobe",
      [
        "-v",
        "error",
        "-show_entries",
        "stream=codec_type,codec_name:format=duration",
        "-of",
        "json",
        "x.mp4",
      ],
      { cwd: dir, encoding: "utf8" },
    );
    return JSON.parse(out.stdout) as ReturnType<typeof probe>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("explainer MP4 with real ffmpeg and espeak-ng", () => {
  it("when both tools are present, then the MP4 has H.264 video and AAC narration lasting the storyboard's total", async () => {
    expect(videoTools({})).toMatchObject({ ok: true });
    const run = await runPipeline(anIntake());
    const explainer = run.byStep.get("explainer_producer")?.explainer;
    const wireframes = run.byStep.get("wireframer")?.wireframes;
    if (!explainer || !wireframes) throw new Error("pipeline produced no explainer");
    const svgs = new Map(
      wireframes.screens.map((s) => [s.id, wireframeSvg(s, wireframes.productName, true)]),
    );
    const video = await renderExplainerMp4(explainer, svgs, {});
    console.log(
      `explainer MP4: ${explainer.scenes.length} scenes, ${explainer.totalSeconds} s, rendered in ${video.ms} ms, ${video.mp4?.length} bytes`,
    );
    expect(video.reason).toBeUndefined();
    const info = probe(video.mp4!);
    expect(info.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort()).toEqual([
      "audio:aac",
      "video:h264",
    ]);
    const sum = explainer.scenes.reduce((t, s) => t + s.durationSeconds, 0);
    expect(Number(info.format.duration)).toBeGreaterThan(sum - 0.5);
    expect(Number(info.format.duration)).toBeLessThan(sum + 0.5);
  });

  it("when the pipeline runs with video enabled, then explainer/explainer.mp4 is stored under videos/", async () => {
    const saved = process.env["AGENCY_EXPLAINER_VIDEO"];
    delete process.env["AGENCY_EXPLAINER_VIDEO"];
    try {
      const run = await runPipeline(anIntake({ sector: "healthcare" }));
      const mp4 = run.artifacts.find((a) => a.name === "explainer/explainer.mp4");
      expect(mp4).toMatchObject({ prefix: "videos", contentType: "video/mp4", kind: "explainer-video" });
      expect(Buffer.isBuffer(mp4?.body)).toBe(true);
      expect(run.byStep.get("explainer_producer")?.explainerVideo).toMatchObject({
        mp4: "explainer/explainer.mp4",
      });
    } finally {
      if (saved !== undefined) process.env["AGENCY_EXPLAINER_VIDEO"] = saved;
    }
  });

  it("when video is switched off, then there is no MP4 and the reason says so", async () => {
    const run = await runPipeline(anIntake());
    expect(run.artifacts.some((a) => a.name.endsWith(".mp4"))).toBe(false);
    expect(run.byStep.get("explainer_producer")?.explainerVideo).toEqual({
      reason: "disabled by AGENCY_EXPLAINER_VIDEO=off",
    });
  });
});
