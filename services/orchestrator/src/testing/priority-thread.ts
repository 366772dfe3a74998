/** A worker thread for run-priority.test.ts: lowers its own priority and reports what it sees. */
import { parentPort, workerData } from "node:worker_threads";
import { lowerThreadPriority, threadNice } from "../entry-points/run-priority.ts";

const tid = lowerThreadPriority((workerData as { nice: number }).nice);
parentPort!.postMessage({ tid, nice: tid === undefined ? undefined : threadNice(tid) });
