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
  private restarting?: NodeJS.Timeout;

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
      if (this.client !== client) return;
      this.logger.warn({ err }, "run events connection lost; reconnecting");
      this.client = undefined;
      void client.end().catch(() => undefined);
      this.scheduleRestart(1000);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${RUN_CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    this.client = client;
  }

  /** One reconnect at a time, however many errors arrive. */
  private scheduleRestart(delayMs: number): void {
    if (this.stopped || this.restarting) return;
    this.restarting = setTimeout(() => {
      void this.start()
        .then(() => {
          this.restarting = undefined;
          // Subscribers re-read their run, so a notification missed meanwhile is not lost.
          for (const set of this.subscribers.values()) for (const notify of set) notify();
        })
        .catch((err) => {
          this.restarting = undefined;
          this.logger.warn({ err }, "run events reconnect failed; retrying");
          this.scheduleRestart(2000);
        });
    }, delayMs);
    this.restarting.unref();
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
    clearTimeout(this.restarting);
    await this.client?.end().catch(() => undefined);
  }
}
