/**
 * Progress for long first-time steps (the portal's first build, the first n8n install): what is
 * happening when it starts, the elapsed time every 10 s, and how long it took, on stderr, so a
 * first `npm start` or `npm test` is never a silent minute.
 */
import { stripVTControlCharacters } from "node:util";

export interface ProgressOptions {
  /** Between reports, in ms. Defaults to 10 000. */
  everyMs?: number;
  /** Where reports go. Defaults to stderr. */
  out?: { write(text: string): unknown };
  /** The latest thing worth showing (e.g. the tool's last output line). */
  detail?: () => string | undefined;
}

export interface Progress {
  /** Ends the reports with the time taken. */
  done(): void;
  /** Ends the reports saying the step failed after that long. */
  failed(): void;
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

export function reportProgress(what: string, options: ProgressOptions = {}): Progress {
  const out = options.out ?? process.stderr;
  const started = Date.now();
  out.write(`${what}…\n`);
  const timer = setInterval(() => {
    const detail = options.detail?.()?.trim();
    out.write(
      `${what}: ${seconds(Date.now() - started)} so far${detail ? ` (${detail.slice(0, 120)})` : ""}\n`,
    );
  }, options.everyMs ?? 10_000);
  timer.unref();
  let ended = false;
  const end = (how: string) => {
    if (ended) return;
    ended = true;
    clearInterval(timer);
    out.write(`${what}: ${how} after ${seconds(Date.now() - started)}\n`);
  };
  return { done: () => end("done"), failed: () => end("failed") };
}

/** The last non-empty line of a tool's output so far, without terminal colour codes. */
export function lastLine(output: string): string | undefined {
  const lines = stripVTControlCharacters(output)
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.at(-1);
}
