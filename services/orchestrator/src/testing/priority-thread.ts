/** A worker thread for run-priority.test.ts: lowers its own priority and reports what it sees. */
import { parentPort, workerData } from "node:worker_threads";
import { lowerThreadPriority, threadNice } from "../entry-points/run-priority.ts";

const tid = lowerThreadPriority((workerData as { nice: number }).nice);
parentPort!.postMessage({ tid, nice: tid === undefined ? undefined : threadNice(tid) });
// Stay alive until the test has read this thread's priority from outside (it terminates the
// thread): a thread that ended after posting had no /proc/self/task/<tid> left to read.
parentPort!.on("message", () => undefined);
