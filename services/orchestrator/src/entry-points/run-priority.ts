/**
 * The run thread's scheduling priority. On Linux the nice value belongs to each thread, so the
 * run thread lowers its own (setpriority on its thread id) and leaves the event loop that serves
 * the API at the process's priority: when both want the cores, the API's requests go first and
 * the pipeline's CPU-bound steps (Svelte compile, bundling) take what is left. Processes the
 * thread starts (esbuild's service, ffmpeg) inherit its priority.
 */
import { readFileSync, readlinkSync } from "node:fs";
import { setPriority } from "node:os";

/** This thread's kernel id (Linux: /proc/thread-self → <pid>/task/<tid>), or undefined elsewhere. */
export function threadId(): number | undefined {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sets the calling thread's nice value (0-19; lowering the priority needs no privilege). Answers
 * the thread id it applied to, or undefined where threads have no priority of their own.
 */
export function lowerThreadPriority(nice: number): number | undefined {
  const tid = threadId();
  if (tid === undefined) return undefined;
  setPriority(tid, nice);
  return tid;
}

/** The nice value of a thread of this process (Linux: field 19 of /proc/self/task/<tid>/stat). */
export function threadNice(tid: number): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[16]);
}
