/**
 * The retention job: every AGENCY_RETENTION_INTERVAL_MINUTES the worker deletes what is past its
 * window (data-access/retention.ts). Several workers may run it; an advisory lock lets one at a
 * time do the work and the others skip that round.
 */
import { withSessionLock } from "../data-access/locks.ts";
import { pruneExpired, type PruneCounts } from "../data-access/retention.ts";
import type { Deps } from "./deps.ts";

const RETENTION_LOCK_KEY = 7_140_215_010;

/** One round; null when another process holds the lock. */
export async function runRetention(
  deps: Pick<Deps, "pool" | "config" | "logger">,
  now = new Date(),
): Promise<PruneCounts | null> {
  const held = await withSessionLock(deps.pool, RETENTION_LOCK_KEY, async () => {
    const counts = await pruneExpired(deps.pool, deps.config.retention, now);
    deps.logger.info({ pruned: counts }, "retention: pruned what is past its window");
    return counts;
  });
  return held.acquired ? held.value : null;
}

export function startRetention(deps: Pick<Deps, "pool" | "config" | "logger">): { stop(): void } {
  const round = () =>
    void runRetention(deps).catch((err) => deps.logger.warn({ err }, "retention round failed"));
  // The first round a minute after start, so a crash-looping worker does not prune in a loop.
  const first = setTimeout(round, 60_000);
  const every = setInterval(round, deps.config.retention.intervalMinutes * 60_000);
  first.unref();
  every.unref();
  return {
    stop() {
      clearTimeout(first);
      clearInterval(every);
    },
  };
}
