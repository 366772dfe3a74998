/**
 * One load run for `npm run bench`, in a process of its own: autocannon against one URL for a
 * duration, then one JSON line with requests, errors, requests/s and latency percentiles (ms,
 * from every response's own time, so p95 is exact rather than read off a coarse histogram).
 *
 *   tsx scripts/bench-load.ts '<json spec>'   (see LoadSpec)
 */
import autocannon from "autocannon";

export interface LoadSpec {
  url: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  /** For POST /v1/intake: a fresh intake body (a new address) for every request. */
  intakes?: boolean;
  /** The status every answer must have; any other counts as an error. */
  expect: number;
  connections: number;
  durationSeconds: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  /** Answers by status code. */
  statuses: Record<string, number>;
  rps: number;
  latency_ms: { p50: number; p95: number; p99: number; max: number };
}

const spec = JSON.parse(process.argv[2] ?? "{}") as LoadSpec;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[i]! * 100) / 100;
}

const intake = (i: number) =>
  JSON.stringify({
    email: `bench-${process.pid}-${i}@example.com`,
    sector: "saas",
    idea: "A scheduling assistant for small clinics that fills cancelled appointment slots from a waitlist.",
    goals: "Fewer no-shows",
    budget: "$20k",
    timeline: "8 weeks",
  });

const latencies: number[] = [];
let errors = 0;
let n = 0;
const statuses: Record<string, number> = {};
// Without a callback autocannon returns its instance (an event emitter that is also a promise).
const instance = autocannon({
  url: spec.url,
  method: spec.method ?? "GET",
  headers: spec.headers,
  connections: spec.connections,
  duration: spec.durationSeconds,
  ...(spec.intakes
    ? {
        requests: [
          {
            method: "POST" as const,
            setupRequest: (request: autocannon.Request) => ({
              ...request,
              method: "POST" as const,
              headers: { ...request.headers, "content-type": "application/json" },
              body: intake(n++),
            }),
          },
        ],
      }
    : {}),
}) as unknown as autocannon.Instance;
instance.on("response", (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
  latencies.push(responseTime);
  statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
  if (statusCode !== spec.expect) errors++;
});
const result = await new Promise<autocannon.Result>((resolve, reject) =>
  instance.once("done", resolve).once("error", reject),
);
latencies.sort((a, b) => a - b);
const out: LoadResult = {
  requests: latencies.length,
  errors: errors + result.errors + result.timeouts,
  statuses,
  rps: Math.round(latencies.length / (result.duration || spec.durationSeconds)),
  latency_ms: {
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: percentile(latencies, 100),
  },
};
console.log(JSON.stringify(out));
