/** A real worker thread (booted through run-thread-boot.mjs, as the run thread is); no fakes. */
import { once } from "node:events";
import { existsSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { threadId, threadNice } from "./run-priority.ts";

const linux = existsSync("/proc/thread-self");

describe.skipIf(!linux)("entry-points/run-priority", () => {
  it("when a thread lowers its priority, then that thread runs at the nice value and this one keeps its own", async () => {
    const mine = threadId()!;
    const before = threadNice(mine);
    const nice = Math.min(19, before + 7);
    const worker = new Worker(new URL("./run-thread-boot.mjs", import.meta.url), {
      workerData: { entry: new URL("../testing/priority-thread.ts", import.meta.url).href, nice },
    });
    try {
      const [reported] = (await once(worker, "message")) as [{ tid: number; nice: number }];
      expect(reported.tid).not.toBe(mine);
      expect(reported.nice).toBe(nice);
      // The kernel's view from outside the thread agrees (the thread waits to be terminated, so it
      // is still there to be read), and this thread is untouched.
      expect(threadNice(reported.tid)).toBe(nice);
      expect(threadNice(mine)).toBe(before);
    } finally {
      await worker.terminate();
    }
  });
});
