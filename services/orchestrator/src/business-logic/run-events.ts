/**
 * Live run progress for server-sent events. One LISTEN connection per API process fans
 * notifications on RUN_CHANNEL out to the subscribers of each run; the worker may be another
 * process, so Postgres carries the signal.
 */
import pg from "pg";
import { RUN_CHANNEL } from "../data-access/repository.ts";
import type { Logger } from "../observability/logger.ts";

export class RunEvents {
  private client?: pg.Client;
  private readonly subscribers = new Map<string, Set<() => void>>();
  private stopped = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    client.on("notification", (msg) => {
      if (msg.payload) for (const notify of this.subscribers.get(msg.payload) ?? []) notify();
    });
    client.on("error", (err) => {
      this.logger.warn({ err }, "run events connection lost; reconnecting");
      this.client = undefined;
      // Subscribers re-read the run on reconnect, so a notification missed meanwhile is not lost.
      setTimeout(() => void this.restart(), 1000).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${RUN_CHANNEL}`);
    this.client = client;
  }

  private async restart(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.start();
      for (const set of this.subscribers.values()) for (const notify of set) notify();
    } catch (err) {
      this.logger.warn({ err }, "run events reconnect failed; retrying");
      setTimeout(() => void this.restart(), 2000).unref();
    }
  }

  subscribe(runId: string, notify: () => void): () => void {
    let set = this.subscribers.get(runId);
    if (!set) this.subscribers.set(runId, (set = new Set()));
    set.add(notify);
    return () => {
      set.delete(notify);
      if (set.size === 0) this.subscribers.delete(runId);
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => undefined);
  }
}
