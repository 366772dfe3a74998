/**
 * One contract, two adapters: the in-process queue and BullMQ on the real Redis from the global
 * setup (a unique queue name per test, so parallel files never share jobs).
 */
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { redisUrl } from "@roboagency/testing/database";
import { startRedisServer } from "@roboagency/testing/redis-server";
import {
  checkRedisMaxmemoryPolicy,
  createBullQueue,
  createInProcessQueue,
  type JobInfo,
  type JobQueue,
  type QueueOptions,
} from "./queue.ts";

interface Payload {
  n: number;
  at?: string | Date;
}

type MakeQueue = (opts: QueueOptions) => JobQueue<Payload>;

const uniqueName = () => `test-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(20);
  }
}

const adapters: Array<[string, MakeQueue]> = [
  ["in-process", (opts) => createInProcessQueue<Payload>(opts)],
  [
    "BullMQ on Redis",
    (opts) => createBullQueue<Payload>({ name: uniqueName(), redisUrl: redisUrl(), ...opts }),
  ],
];

describe.each(adapters)("JobQueue contract: %s", (_name, make) => {
  const opened: JobQueue<Payload>[] = [];
  const open = (opts: QueueOptions = {}) => {
    const q = make(opts);
    opened.push(q);
    return q;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((q) => q.close()));
  });

  it("when the handler fails twice, then it is retried with growing backoff and succeeds on attempt 3", async () => {
    const q = open({ attempts: 3, backoffMs: 100 });
    const seen: Array<{ attempt: number; at: number }> = [];
    let done = false;
    await q.process(async (_data, job) => {
      seen.push({ attempt: job.attempt, at: Date.now() });
      if (job.attempt < 3) throw new Error(`fail ${job.attempt}`);
      done = true;
    });
    await q.add("retry-job", { n: 1 });
    await until(() => done);
    expect(seen.map((s) => s.attempt)).toEqual([1, 2, 3]);
    const [first, second, third] = seen.map((s) => s.at) as [number, number, number];
    expect(second - first).toBeGreaterThanOrEqual(95);
    expect(third - second).toBeGreaterThanOrEqual(195);
    await until(async () => (await q.depth()).delayed === 0);
    expect(await q.depth()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
  });

  it("when every attempt fails, then the job stops after `attempts` tries and counts as failed", async () => {
    const q = open({ attempts: 2, backoffMs: 10 });
    const attempts: number[] = [];
    await q.process(async (_data, job) => {
      attempts.push(job.attempt);
      throw new Error("always");
    });
    await q.add("doomed", { n: 1 });
    await until(async () => (await q.depth()).failed === 1);
    await sleep(100);
    expect(attempts).toEqual([1, 2]);
  });

  it("when the same jobId is added twice, before and after it ran, then it runs once", async () => {
    const q = open();
    await q.add("once", { n: 1 });
    await q.add("once", { n: 2 });
    const runs: Payload[] = [];
    await q.process(async (data) => {
      runs.push(data);
    });
    await until(() => runs.length === 1);
    await q.add("once", { n: 3 });
    await sleep(200);
    expect(runs).toEqual([{ n: 1 }]);
  });

  it("when jobs wait behind a busy handler, then depth counts waiting and active", async () => {
    const q = open();
    await q.add("d-1", { n: 1 });
    await q.add("d-2", { n: 2 });
    await q.add("d-3", { n: 3 });
    expect(await q.depth()).toEqual({ waiting: 3, active: 0, delayed: 0, failed: 0 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started = 0;
    await q.process(
      async () => {
        started++;
        await gate;
      },
      { concurrency: 1 },
    );
    await until(() => started === 1);
    expect(await q.depth()).toEqual({ waiting: 2, active: 1, delayed: 0, failed: 0 });
    release();
    await until(async () => (await q.depth()).waiting + (await q.depth()).active === 0);
    expect(started).toBe(3);
  });

  it("when concurrency is 2, then at most two jobs run at once and all of them run", async () => {
    const q = open();
    let running = 0;
    let peak = 0;
    let finished = 0;
    await q.process(
      async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(80);
        running--;
        finished++;
      },
      { concurrency: 2 },
    );
    for (let i = 0; i < 6; i++) await q.add(`c-${i}`, { n: i });
    await until(() => finished === 6);
    expect(peak).toBe(2);
  });

  it("when closed while a job runs, then close waits for that job to finish", async () => {
    const q = open();
    let started = false;
    let finished = false;
    await q.process(async () => {
      started = true;
      await sleep(300);
      finished = true;
    });
    await q.add("slow", { n: 1 });
    await until(() => started);
    await q.close();
    expect(finished).toBe(true);
    await expect(q.add("after-close", { n: 2 })).rejects.toThrow(/closed/);
  });

  it("when data holds a Date, then the handler receives it as JSON would carry it", async () => {
    const q = open();
    const got: Payload[] = [];
    const job: JobInfo[] = [];
    await q.process(async (data, info) => {
      got.push(data);
      job.push(info);
    });
    await q.add("json", { n: 1, at: new Date("2026-11-29T12:00:00Z") });
    await until(() => got.length === 1);
    expect(got[0]).toEqual({ n: 1, at: "2026-11-29T12:00:00.000Z" });
    expect(job[0]).toEqual({ id: "json", attempt: 1 });
  });

  it("when a jobId is an integer or contains ':', then add refuses it and names the rule", async () => {
    const q = open();
    await expect(q.add("42", { n: 1 })).rejects.toThrow(/must not be an integer/);
    await expect(q.add("a:b", { n: 1 })).rejects.toThrow(/must not contain ":"/);
    await expect(q.add("", { n: 1 })).rejects.toThrow(/non-empty/);
  });

  it("when process is called twice, then the second call is refused", async () => {
    const q = open();
    await q.process(async () => {});
    await expect(q.process(async () => {})).rejects.toThrow(/already has a handler/);
  });
});

describe("BullMQ across processes", () => {
  it("when the producer and the worker hold separate connections, then jobs added by one run in the other", async () => {
    const name = uniqueName();
    const producer = createBullQueue<Payload>({ name, redisUrl: redisUrl() });
    const worker = createBullQueue<Payload>({ name, redisUrl: redisUrl() });
    try {
      await producer.add("x-1", { n: 1 });
      await producer.add("x-2", { n: 2 });
      expect((await producer.depth()).waiting).toBe(2);
      const seen: number[] = [];
      await worker.process(async (data) => {
        seen.push(data.n);
      });
      await until(() => seen.length === 2);
      expect(seen.sort()).toEqual([1, 2]);
      await until(async () => (await producer.depth()).waiting === 0);
      await producer.add("x-1", { n: 99 });
      await sleep(200);
      expect(seen).toHaveLength(2);
    } finally {
      await Promise.all([producer.close(), worker.close()]);
    }
  });
});

describe("checkRedisMaxmemoryPolicy", () => {
  it("when Redis may evict keys, then the check says so and names noeviction as the fix", async () => {
    const server = await startRedisServer({ args: ["--maxmemory-policy", "allkeys-lru"] });
    try {
      const result = await checkRedisMaxmemoryPolicy(server.url);
      expect(result).toMatchObject({ policy: "allkeys-lru", ok: false });
      expect(result.warning).toMatch(/noeviction/);
    } finally {
      await server.stop();
    }
  });

  it("when Redis is the test server, then the reported policy matches what the server says", async () => {
    const result = await checkRedisMaxmemoryPolicy(redisUrl());
    expect(result.ok).toBe(result.policy === "noeviction");
  });
});
