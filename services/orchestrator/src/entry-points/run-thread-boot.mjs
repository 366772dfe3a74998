// Boots a run thread from the TypeScript sources: registers tsx in this thread, then loads the
// entry (run-threads.ts passes it). The image's bundle starts dist/run-thread.js directly.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
