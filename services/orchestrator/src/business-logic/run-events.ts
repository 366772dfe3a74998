/**
 * Live run progress for server-sent events. One LISTEN connection per API process hears
 * notifications on RUN_CHANNEL; the worker may be another process, so Postgres carries the signal.
 *
 * However many clients follow a run, a notice costs one read of it: the read is shared by every
 * subscriber of the run (a notice during a read makes one more read, so none is lost), and its
 * JSON is serialised once for all. Streams are capped per process and per client address.
 */
import type { Queryable } from "../data-access/database.ts";
import { listenToRuns, type RunChannelListener } from "../data-access/run-channel.ts";
import { readRun, type RunView } from "../data-access/runs.ts";
import type { Logger } from "../observability/logger.ts";

/** A run as read once and fanned out: the view and its serialised JSON. */
export interface RunUpdate {
  run: RunView;
  data: string;
}

export interface StreamLimits {
  /** Open event streams per API process. */
  maxStreams: number;
  /** Open event streams per client address (operator-authenticated callers are exempt). */
  maxStreamsPerClient: number;
  /** Seconds between heartbeat comments (and between safety re-reads of each followed run). */
  heartbeatSeconds: number;
  /** Seconds after which a stream is closed; the client reconnects after `retrySeconds`. */
  maxStreamSeconds: number;
  /** The `retry` hint of each stream and the Retry-After of a refused one, in seconds. */
  retrySeconds: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  maxStreams: 1000,
  maxStreamsPerClient: 20,
  heartbeatSeconds: 15,
  maxStreamSeconds: 3600,
  retrySeconds: 5,
};

interface Channel {
  listeners: Set<(update: RunUpdate) => void>;
  latest?: RunUpdate;
  reading?: Promise<RunUpdate | null>;
  dirty: boolean;
}

export type Admission =
  { ok: true; release: () => void } | { ok: false; retryAfterSeconds: number; message: string };

export class RunEvents {
  private listener?: RunChannelListener;
  private readonly channels = new Map<string, Channel>();
  private stopped = false;
  private restarting?: NodeJS.Timeout;
  private sweep?: NodeJS.Timeout;
  private open = 0;
  private readonly openByClient = new Map<string, number>();
  readonly limits: StreamLimits;

  constructor(
    private readonly databaseUrl: string,
    private readonly db: Queryable,
    private readonly logger: Logger,
    limits: Partial<StreamLimits> = {},
  ) {
    this.limits = { ...DEFAULT_STREAM_LIMITS, ...limits };
  }

  async start(): Promise<void> {
    await this.listen();
    // A notice can be lost (a reconnect); each followed run is re-read once per heartbeat.
    this.sweep ??= setInterval(() => {
      for (const [runId, channel] of this.channels) if (channel.listeners.size) void this.refresh(runId);
    }, this.limits.heartbeatSeconds * 1000);
    this.sweep.unref();
  }

  private async listen(): Promise<void> {
    this.listener = await listenToRuns(this.databaseUrl, {
      onRun: (runId) => {
        if (this.channels.get(runId)?.listeners.size) void this.refresh(runId);
      },
      onLost: (err) => {
        this.logger.warn({ err }, "run events connection lost; reconnecting");
        this.listener = undefined;
        this.scheduleRestart(1000);
      },
    });
  }

  /** One reconnect at a time, however many errors arrive. */
  private scheduleRestart(delayMs: number): void {
    if (this.stopped || this.restarting) return;
    this.restarting = setTimeout(() => {
      void this.listen()
        .then(() => {
          this.restarting = undefined;
          // Followed runs are re-read, so a notification missed meanwhile is not lost.
          for (const runId of this.channels.keys()) void this.refresh(runId);
        })
        .catch((err) => {
          this.restarting = undefined;
          this.logger.warn({ err }, "run events reconnect failed; retrying");
          this.scheduleRestart(2000);
        });
    }, delayMs);
    this.restarting.unref();
  }

  /**
   * Takes a stream slot for a client, or says when to come back. `exempt` callers (the portal's
   * server relaying for many clients, with the operator token) count only against the process cap.
   */
  admit(clientAddress: string, exempt = false): Admission {
    const { maxStreams, maxStreamsPerClient, retrySeconds } = this.limits;
    const mine = this.openByClient.get(clientAddress) ?? 0;
    if (this.open >= maxStreams) {
      return {
        ok: false,
        retryAfterSeconds: retrySeconds,
        message: `This server follows ${maxStreams} run streams already; poll GET /v1/runs/{id} or retry later.`,
      };
    }
    if (!exempt && mine >= maxStreamsPerClient) {
      return {
        ok: false,
        retryAfterSeconds: retrySeconds,
        message: `This address has ${mine} run streams open (limit ${maxStreamsPerClient}); close one or poll GET /v1/runs/{id}.`,
      };
    }
    this.open++;
    if (!exempt) this.openByClient.set(clientAddress, mine + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.open--;
        if (exempt) return;
        const left = (this.openByClient.get(clientAddress) ?? 1) - 1;
        if (left > 0) this.openByClient.set(clientAddress, left);
        else this.openByClient.delete(clientAddress);
      },
    };
  }

  /** Open streams, for tests and metrics. */
  get openStreams(): number {
    return this.open;
  }

  /**
   * The run as followers see it: the latest shared read while the run is followed, else one read
   * (concurrent callers share it). Null when there is no such run.
   */
  async current(runId: string): Promise<RunView | null> {
    const channel = this.channels.get(runId);
    if (channel?.reading) return (await channel.reading)?.run ?? null;
    if (channel?.latest && channel.listeners.size) return channel.latest.run;
    return (await this.refresh(runId))?.run ?? null;
  }

  /** Calls `listener` with each new read of the run; the latest one at once, when there is one. */
  subscribe(runId: string, listener: (update: RunUpdate) => void): () => void {
    const channel = this.channel(runId);
    channel.listeners.add(listener);
    if (channel.latest) listener(channel.latest);
    return () => {
      channel.listeners.delete(listener);
      this.forget(runId, channel);
    };
  }

  private channel(runId: string): Channel {
    let channel = this.channels.get(runId);
    if (!channel) this.channels.set(runId, (channel = { listeners: new Set(), dirty: false }));
    return channel;
  }

  private forget(runId: string, channel: Channel): void {
    if (channel.listeners.size === 0 && !channel.reading && this.channels.get(runId) === channel) {
      this.channels.delete(runId);
    }
  }

  /** One read at a time per run; a call during a read makes it read once more afterwards. */
  private refresh(runId: string): Promise<RunUpdate | null> {
    const channel = this.channel(runId);
    if (channel.reading) {
      channel.dirty = true;
      return channel.reading;
    }
    const read = async (): Promise<RunUpdate | null> => {
      let update: RunUpdate | null = null;
      do {
        channel.dirty = false;
        const row = await readRun(this.db, runId);
        if (!row?.json) return null;
        const run = JSON.parse(row.json) as RunView;
        // Serialised once here, compact and on one line as an event's data must be.
        update = { run, data: JSON.stringify(run) };
        channel.latest = update;
        for (const listener of channel.listeners) listener(update);
      } while (channel.dirty && !this.stopped);
      return update;
    };
    channel.reading = read()
      .catch((err) => {
        this.logger.warn({ err, runId }, "could not read the run for its event streams");
        return channel.latest ?? null;
      })
      .finally(() => {
        channel.reading = undefined;
        this.forget(runId, channel);
      });
    return channel.reading;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restarting);
    clearInterval(this.sweep);
    await this.listener?.close();
  }
}
