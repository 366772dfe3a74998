/** Progress reports for long first-time steps, with a short interval and a captured stream. */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { lastLine, reportProgress } from "./progress.ts";

const capture = () => {
  const lines: string[] = [];
  return { lines, out: { write: (t: string) => lines.push(...t.split("\n").filter(Boolean)) } };
};

describe("progress", () => {
  it("when a step runs past several intervals, then it says what starts, the elapsed time with the latest detail, and the total", async () => {
    const { lines, out } = capture();
    const p = reportProgress("Building the portal (vite build)", {
      everyMs: 40,
      out,
      detail: () => "transforming (42) src/app.ts",
    });
    await sleep(200);
    p.done();
    expect(lines[0]).toBe("Building the portal (vite build)…");
    const periodic = lines.filter((l) => / s so far/.test(l));
    expect(periodic.length).toBeGreaterThanOrEqual(2);
    expect(periodic[0]).toMatch(
      /^Building the portal \(vite build\): \d+ s so far \(transforming \(42\) src\/app\.ts\)$/,
    );
    expect(lines.at(-1)).toMatch(/^Building the portal \(vite build\): done after \d+ s$/);
  });

  it("when a step ends, then no report follows, and a failure says so once", async () => {
    const { lines, out } = capture();
    const p = reportProgress("Installing n8n", { everyMs: 30, out });
    p.failed();
    p.done();
    await sleep(120);
    expect(lines).toEqual(["Installing n8n…", "Installing n8n: failed after 0 s"]);
  });

  it("when a tool prints coloured, carriage-returned output, then the last plain line is shown", () => {
    expect(
      lastLine("vite v7\r\n\x1b[32m✓\x1b[39m 120 modules transformed.\rrendering chunks (3)...\n\n"),
    ).toBe("rendering chunks (3)...");
    expect(lastLine("")).toBeUndefined();
  });
});
