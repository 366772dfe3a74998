// A module hook (node --import) that appends each module URL this process resolves to the file
// named by RECORD_RESOLVED, so a test can tell which packages a set of imports loads.
import { appendFileSync } from "node:fs";
import process from "node:process";
import { register } from "node:module";
import { isMainThread } from "node:worker_threads";

// Registered from the main thread; in the hooks' own thread `initialize` receives the file.
if (isMainThread && process.env.RECORD_RESOLVED) {
  register(import.meta.url, { data: { log: process.env.RECORD_RESOLVED } });
}

let log;
export function initialize(data) {
  log = data.log;
}

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (log) appendFileSync(log, `${resolved.url}\n`);
  return resolved;
}
