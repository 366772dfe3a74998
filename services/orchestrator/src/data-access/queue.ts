/**
 * The job queue between the API (producer) and the worker (consumer). Production uses BullMQ on
 * Redis so API and worker can be separate processes; local mode uses an in-process queue with the
 * same semantics, so the business logic cannot tell them apart:
 * - `attempts` tries in total, exponential backoff between them (backoffMs, 2×, 4×, …);
 * - a jobId is run once: adding an id that is waiting, running, retrying or recently finished is a no-op;
 * - data goes through JSON (a Date arrives as a string) in both;
 * - close() stops taking jobs and waits for the running ones to finish.
 */
import { Queue, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";

export interface JobInfo {
  id: string;
  /** 1 on the first try, 2 on the first retry, … */
  attempt: number;
}

export type JobHandler<T> = (data: T, job: JobInfo) => Promise<void>;

export interface QueueDepth {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export interface JobQueue<T> {
  /** Enqueues once per jobId (see the module comment for how long an id is remembered). */
  add(jobId: string, data: T): Promise<void>;
  /** Starts consuming; call at most once per queue object. */
  process(handler: JobHandler<T>, opts?: { concurrency?: number }): Promise<void>;
  depth(): Promise<QueueDepth>;
  close(): Promise<void>;
}

/** Where failures are reported; a pino logger fits. */
export interface QueueLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface QueueOptions {
  /** Tries in total, the first included. Defaults to 3. */
  attempts?: number;
  /** Delay before the first retry; each next retry waits twice as long. Defaults to 2000. */
  backoffMs?: number;
  /** Receives retries and final failures. Defaults to none. */
  logger?: QueueLogger;
}

export interface BullQueueOptions extends QueueOptions {
  /** Queue name; producer and worker must use the same one. */
  name: string;
  redisUrl: string;
  /** Key prefix in Redis. Defaults to "agency". */
  prefix?: string;
  /**
   * How long a worker's lock on a job lasts without renewal (renewed every half of it). When a
   * worker dies, the job is handed to another worker once the lock has expired and the next
   * stalled-jobs check (every half of it, too) runs. Defaults to 30000, BullMQ's own default.
   */
  lockDurationMs?: number;
  /** Times a job may be taken over after a crash before it fails. Defaults to 3. */
  maxStalledCount?: number;
}

/** Finished jobs kept (and so deduplicated) at most this many / this long. */
export const RETENTION = {
  completed: { count: 1000, ageSeconds: 24 * 3600 },
  failed: { count: 5000, ageSeconds: 7 * 24 * 3600 },
} as const;

function validateOptions(opts: QueueOptions): { attempts: number; backoffMs: number } {
  const attempts = opts.attempts ?? 3;
  const backoffMs = opts.backoffMs ?? 2000;
  if (!Number.isInteger(attempts) || attempts < 1)
    throw new Error(`queue attempts must be an integer >= 1, got ${attempts}`);
  if (!Number.isFinite(backoffMs) || backoffMs < 0)
    throw new Error(`queue backoffMs must be >= 0, got ${backoffMs}`);
  return { attempts, backoffMs };
}

/** BullMQ's rules for custom ids, enforced in both adapters so code valid locally is valid in production. */
function validateJobId(jobId: string): void {
  if (typeof jobId !== "string" || jobId.length === 0) throw new Error("jobId must be a non-empty string");
  if (String(Number.parseInt(jobId, 10)) === jobId)
    throw new Error(`jobId "${jobId}" must not be an integer`);
  if (jobId.includes(":")) throw new Error(`jobId "${jobId}" must not contain ":"`);
}

function validateConcurrency(concurrency: number): number {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`concurrency must be an integer >= 1, got ${concurrency}`);
  }
  return concurrency;
}

function roundTrip<T>(data: T): T {
  return JSON.parse(JSON.stringify(data ?? null)) as T;
}

export function createBullQueue<T>(options: BullQueueOptions): JobQueue<T> {
  if (!options.name) throw new Error("createBullQueue: name is required");
  if (!options.redisUrl) throw new Error("createBullQueue: redisUrl is required (set REDIS_URL)");
  const { attempts, backoffMs } = validateOptions(options);
  const prefix = options.prefix ?? "agency";
  const logger = options.logger;

  // BullMQ's ESM build cannot load ioredis itself, so it gets connections we own (and close).
  // The worker's blocking connection must retry forever (BullMQ requires maxRetriesPerRequest: null);
  // the producer's fails after a few tries so an HTTP request does not hang while Redis is down.
  const connect = (maxRetriesPerRequest: number | null) => {
    const connection = new Redis(options.redisUrl, { maxRetriesPerRequest });
    // ioredis reconnects by itself; the listener keeps a Redis outage from printing "Unhandled error event".
    connection.on("error", (err) => logger?.warn({ err, queue: options.name }, "redis connection error"));
    return connection;
  };
  const queueConnection = connect(3);
  // Explicit type arguments: with a generic T, BullMQ's name/data extraction types stay unresolved.
  const queue = new Queue<T, void, string, T, void, string>(options.name, {
    connection: queueConnection,
    prefix,
    defaultJobOptions: {
      attempts,
      backoff: { type: "exponential", delay: backoffMs },
      removeOnComplete: { count: RETENTION.completed.count, age: RETENTION.completed.ageSeconds },
      removeOnFail: { count: RETENTION.failed.count, age: RETENTION.failed.ageSeconds },
    },
  });
  queue.on("error", (err) => logger?.error({ err, queue: options.name }, "queue connection error"));

  let worker: Worker<T> | undefined;
  let workerConnection: Redis | undefined;
  let closed: Promise<void> | undefined;

  return {
    async add(jobId, data) {
      if (closed) throw new Error(`queue ${options.name} is closed`);
      validateJobId(jobId);
      await queue.add(options.name, data, { jobId });
    },

    async process(handler, opts = {}) {
      if (closed) throw new Error(`queue ${options.name} is closed`);
      if (worker) throw new Error(`queue ${options.name} already has a handler`);
      const concurrency = validateConcurrency(opts.concurrency ?? 1);
      // A worker started while Redis is down waits for it rather than exiting (and crash-looping).
      await waitForRedis(options.redisUrl, logger, () => closed !== undefined);
      if (closed) throw new Error(`queue ${options.name} was closed while waiting for Redis`);
      workerConnection = connect(null);
      worker = new Worker<T>(
        options.name,
        async (job: Job<T>) => {
          await handler(job.data, { id: String(job.id), attempt: job.attemptsMade + 1 });
        },
        {
          connection: workerConnection,
          prefix,
          concurrency,
          autorun: false,
          lockDuration: options.lockDurationMs ?? 30_000,
          stalledInterval: Math.max(1000, Math.round((options.lockDurationMs ?? 30_000) / 2)),
          maxStalledCount: options.maxStalledCount ?? 3,
        },
      );
      worker.on("error", (err) => logger?.error({ err, queue: options.name }, "worker error"));
      worker.on("failed", (job, err) => {
        if (!job) return;
        const final = job.attemptsMade >= attempts;
        const fields = { err, queue: options.name, jobId: job.id, attempt: job.attemptsMade };
        if (final) logger?.error(fields, "job failed, no attempts left");
        else logger?.warn(fields, "job failed, will retry");
      });
      void worker
        .run()
        .catch((err: unknown) => logger?.error({ err, queue: options.name }, "worker stopped"));
      await worker.waitUntilReady();
    },

    async depth() {
      const counts = await queue.getJobCounts("waiting", "prioritized", "active", "delayed", "failed");
      return {
        waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        failed: counts.failed ?? 0,
      };
    },

    close() {
      closed ??= (async () => {
        // Worker first: close() without force waits for the jobs it is running.
        if (worker) await worker.close();
        await queue.close();
        await Promise.all(
          [queueConnection.quit(), workerConnection?.quit()].map((p) => p?.catch(() => undefined)),
        );
      })();
      return closed;
    },
  };
}

/** Retry delays while Redis does not answer: 0.5 s doubling up to 15 s. */
export const REDIS_WAIT_MS = { first: 500, max: 15_000 } as const;

/**
 * Resolves once Redis answers PING, trying again with backoff for as long as it takes (or until
 * `stopped` says so); each failed try is logged with when the next one comes.
 */
export async function waitForRedis(
  redisUrl: string,
  logger?: QueueLogger,
  stopped: () => boolean = () => false,
): Promise<void> {
  let delay: number = REDIS_WAIT_MS.first;
  for (let attempt = 1; !stopped(); attempt++) {
    const client = new Redis(redisUrl, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: 5000,
    });
    client.on("error", () => {}); // connect() rejects with the same error
    try {
      await client.connect();
      await client.ping();
      if (attempt > 1) logger?.warn({ attempt }, "redis answers again; starting");
      return;
    } catch (err) {
      logger?.warn(
        { err: (err as Error).message, attempt, retryInMs: delay },
        "redis does not answer yet; waiting before trying again",
      );
    } finally {
      client.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, REDIS_WAIT_MS.max);
  }
}

export interface MaxmemoryPolicyCheck {
  /** The configured policy, or null when the server does not let us read it (managed Redis). */
  policy: string | null;
  ok: boolean;
  /** Set when not ok: what is wrong and the fix, for the caller to log at start-up. */
  warning?: string;
}

/** BullMQ loses jobs when Redis evicts keys; only `noeviction` is safe. */
export async function checkRedisMaxmemoryPolicy(redisUrl: string): Promise<MaxmemoryPolicyCheck> {
  const client = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  client.on("error", () => {}); // connect() rejects with the same error
  try {
    await client.connect();
    let policy: string | null = null;
    try {
      const reply = (await client.config("GET", "maxmemory-policy")) as string[];
      policy = reply[1] ?? null;
    } catch (err) {
      return {
        policy: null,
        ok: false,
        warning: `cannot read Redis maxmemory-policy (${(err as Error).message}); make sure it is "noeviction", BullMQ needs it`,
      };
    }
    if (policy === "noeviction") return { policy, ok: true };
    return {
      policy,
      ok: false,
      warning: `Redis maxmemory-policy is "${policy}"; BullMQ needs "noeviction" or queued jobs can be evicted (redis-server --maxmemory-policy noeviction)`,
    };
  } finally {
    client.disconnect();
  }
}

interface LocalJob<T> {
  id: string;
  data: T;
  attempt: number;
  state: "waiting" | "active" | "delayed" | "completed" | "failed";
  timer?: NodeJS.Timeout;
}

/**
 * The local-mode queue. Everything lives in memory: jobs still waiting or retrying when the
 * process stops are gone, so whoever enqueues must be able to find unfinished work again
 * (e.g. runs still 'queued' in Postgres) after a restart.
 */
export function createInProcessQueue<T>(options: QueueOptions = {}): JobQueue<T> {
  const { attempts, backoffMs } = validateOptions(options);
  const logger = options.logger;
  const jobs = new Map<string, LocalJob<T>>();
  const finished = { completed: [] as string[], failed: [] as string[] };
  const waiting: LocalJob<T>[] = [];
  const running = new Set<Promise<void>>();
  let handler: JobHandler<T> | undefined;
  let concurrency = 1;
  let active = 0;
  let closing = false;

  const remember = (job: LocalJob<T>, state: "completed" | "failed") => {
    job.state = state;
    const list = finished[state];
    list.push(job.id);
    const keep = RETENTION[state].count;
    while (list.length > keep) jobs.delete(list.shift()!);
  };

  const pump = () => {
    while (handler && !closing && active < concurrency && waiting.length > 0) {
      const job = waiting.shift()!;
      const run = execute(job, handler);
      running.add(run);
      void run.finally(() => running.delete(run));
    }
  };

  const execute = async (job: LocalJob<T>, fn: JobHandler<T>) => {
    active++;
    job.state = "active";
    job.attempt++;
    try {
      await fn(roundTrip(job.data), { id: job.id, attempt: job.attempt });
      remember(job, "completed");
    } catch (err) {
      const fields = { err, jobId: job.id, attempt: job.attempt };
      if (job.attempt >= attempts) {
        logger?.error(fields, "job failed, no attempts left");
        remember(job, "failed");
      } else {
        logger?.warn(fields, "job failed, will retry");
        job.state = "delayed";
        job.timer = setTimeout(
          () => {
            job.timer = undefined;
            job.state = "waiting";
            waiting.push(job);
            pump();
          },
          backoffMs * 2 ** (job.attempt - 1),
        );
      }
    } finally {
      active--;
      // Next job on a later tick, as a real queue would; keeps deep retry chains off the stack.
      setImmediate(pump);
    }
  };

  return {
    async add(jobId, data) {
      if (closing) throw new Error("queue is closed");
      validateJobId(jobId);
      if (jobs.has(jobId)) return;
      const job: LocalJob<T> = { id: jobId, data: roundTrip(data), attempt: 0, state: "waiting" };
      jobs.set(jobId, job);
      waiting.push(job);
      pump();
    },

    async process(fn, opts = {}) {
      if (closing) throw new Error("queue is closed");
      if (handler) throw new Error("queue already has a handler");
      concurrency = validateConcurrency(opts.concurrency ?? 1);
      handler = fn;
      pump();
    },

    async depth() {
      const depth: QueueDepth = { waiting: 0, active: 0, delayed: 0, failed: 0 };
      for (const job of jobs.values()) if (job.state !== "completed") depth[job.state]++;
      return depth;
    },

    async close() {
      closing = true;
      for (const job of jobs.values()) if (job.timer) clearTimeout(job.timer);
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
