/**
 * The orchestrator's configuration, read once from the environment.
 * Every production part is optional: without it the embedded default serves (see docs/decisions.md).
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseReviewGates, type ReviewGate } from "@roboagency/agents";

export class ConfigError extends Error {
  override name = "ConfigError";
}

export interface S3Config {
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
}

export interface Config {
  /** "production" refuses to invent secrets; "local" generates them into the data folder. */
  mode: "production" | "local";
  version: string;
  apiHost: string;
  apiPort: number;
  /** Port of the worker's own /metrics and /health when it runs as its own process. */
  workerMetricsPort: number;
  dataDir: string;
  databaseUrl?: string;
  redisUrl?: string;
  s3?: S3Config;
  resendApiKey?: string;
  mailFrom: string;
  /** Signs webhooks, local asset URLs and the automation callbacks. */
  secretKey: string;
  adminToken: string;
  /** True when the admin token was generated on this start (so it is printed once). */
  adminTokenGenerated: boolean;
  publicApiUrl: string;
  publicPortalUrl: string;
  calendarUrl: string;
  automationWebhookUrl?: string;
  /** Seconds after lead_ready at which the demo, prototype and calendar emails go out. */
  campaignDelaysSeconds: [number, number, number];
  /** Largest accepted `idea`, in characters. */
  ideaMaxChars: number;
  /** Intakes one email address may submit per hour (AGENCY_INTAKES_PER_EMAIL_PER_HOUR). Defaults to 5. */
  intakesPerEmailPerHour: number;
  /** Intakes the agency accepts per 24 hours, a ceiling on model spend (AGENCY_INTAKES_PER_DAY). Defaults to 200. */
  intakesPerDay: number;
  /** Largest accepted request body, in bytes. */
  bodyLimitBytes: number;
  logLevel: string;
  /** Runs one worker process executes at once (WORKER_CONCURRENCY). Defaults to 2. */
  workerConcurrency: number;
  /**
   * Where a run executes (AGENCY_RUN_ISOLATION): "thread", one worker thread per concurrent run,
   * or "inline", on the worker's own event loop. Defaults to thread.
   */
  runIsolation: "thread" | "inline";
  /** Name of the run queue; separate agencies on one Redis need separate names. */
  queueName: string;
  /** Gates where a run waits for an operator (AGENCY_REVIEW_GATES). Defaults to both. */
  reviewGates: ReviewGate[];
  /** Provider spend allowed per project, in USD (AGENCY_PROJECT_BUDGET_USD). Defaults to 0.50. */
  projectBudgetUsd: number;
  /**
   * How long a worker's hold on a run outlives the worker (RUN_LOCK_SECONDS): after a crash,
   * another worker takes the run over within about 1.5× this. Defaults to 20.
   */
  runLockSeconds: number;
  /**
   * Live run streams (GET /v1/runs/{id}/events): open streams per API process
   * (AGENCY_SSE_MAX_STREAMS, 1000) and per client address (AGENCY_SSE_MAX_STREAMS_PER_CLIENT, 20),
   * seconds between heartbeats (AGENCY_SSE_HEARTBEAT_SECONDS, 15) and before a stream is closed for
   * the client to reconnect (AGENCY_SSE_MAX_STREAM_SECONDS, 3600).
   */
  eventStreams: {
    maxStreams: number;
    maxStreamsPerClient: number;
    heartbeatSeconds: number;
    maxStreamSeconds: number;
  };
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}; got "${raw}".`);
  }
  return value;
}

function usd(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new ConfigError(`${name} must be an amount in USD of at least 0, e.g. "0.50"; got "${raw}".`);
  }
  return value;
}

function reviewGates(env: Env): ReviewGate[] {
  try {
    return parseReviewGates(env.AGENCY_REVIEW_GATES || undefined);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

function runIsolation(env: Env): Config["runIsolation"] {
  const raw = env.AGENCY_RUN_ISOLATION || "thread";
  if (raw !== "thread" && raw !== "inline") {
    throw new ConfigError(`AGENCY_RUN_ISOLATION must be "thread" or "inline"; got "${raw}".`);
  }
  return raw;
}

function url(env: Env, name: string, fallback?: string): string | undefined {
  const raw = env[name] || fallback;
  if (!raw) return undefined;
  try {
    const parsed = new URL(raw);
    return parsed.toString().replace(/\/$/, "");
  } catch {
    throw new ConfigError(`${name} must be an absolute URL such as https://example.com; got "${raw}".`);
  }
}

/** Links that go into emails and pages must be web links. */
function httpUrl(env: Env, name: string, fallback: string): string {
  const value = url(env, name, fallback)!;
  if (!/^https?:/.test(value)) {
    throw new ConfigError(`${name} must be an http or https URL (it is linked from emails); got "${value}".`);
  }
  return value;
}

function parseDelays(raw: string | undefined, fallback: [number, number, number]): [number, number, number] {
  if (!raw) return fallback;
  const parts = raw.split(",").map((p) => Number(p.trim()));
  if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p) || p < 0)) {
    throw new ConfigError(
      `CAMPAIGN_DELAYS must be three comma-separated seconds for the demo, prototype and calendar emails, e.g. "0,172800,432000"; got "${raw}".`,
    );
  }
  return parts as [number, number, number];
}

function s3FromEnv(env: Env): S3Config | undefined {
  const names = ["S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"] as const;
  const given = names.filter((n) => env[n]);
  if (given.length === 0) return undefined;
  if (given.length !== names.length) {
    const missing = names.filter((n) => !env[n]);
    throw new ConfigError(
      `S3 storage is half configured: set ${missing.join(", ")} as well, or unset ${given.join(", ")} to use the local asset folder.`,
    );
  }
  return {
    endpoint: url(env, "S3_ENDPOINT"),
    region: env.S3_REGION || "us-east-1",
    bucket: env.S3_BUCKET!,
    accessKeyId: env.S3_ACCESS_KEY_ID!,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY!,
    forcePathStyle: env.S3_FORCE_PATH_STYLE ? env.S3_FORCE_PATH_STYLE === "true" : Boolean(env.S3_ENDPOINT),
  };
}

/**
 * A secret kept in the data folder so a second local start signs with the same key and
 * the operator's token keeps working.
 */
function localSecret(dataDir: string, file: string): { value: string; generated: boolean } {
  const full = path.join(dataDir, file);
  if (existsSync(full)) return { value: readFileSync(full, "utf8").trim(), generated: false };
  mkdirSync(dataDir, { recursive: true });
  const value = randomBytes(24).toString("base64url");
  writeFileSync(full, value + "\n", { mode: 0o600 });
  return { value, generated: true };
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    return pkg.version;
  } catch {
    return "0.0.0";
  }
}

/** The bare address of "Name <address>". */
export function mailAddress(from: string): string {
  return /<([^>]+)>/.exec(from)?.[1] ?? from;
}

export function loadConfig(env: Env = process.env): Config {
  const mode = env.NODE_ENV === "production" ? "production" : "local";
  const dataDir = path.resolve(env.AGENCY_DATA_DIR || ".agency");
  const apiPort = int(env, "API_PORT", 5001, 0, 65535);
  const apiHost = env.API_HOST || (mode === "production" ? "0.0.0.0" : "127.0.0.1");
  const publicApiUrl = url(env, "PUBLIC_API_URL", `http://localhost:${apiPort}`)!;
  const mailFrom = env.MAIL_FROM || "RoboAgency <hello@agency.localhost>";
  const publicPortalUrl = httpUrl(env, "PUBLIC_PORTAL_URL", "http://localhost:3000");

  let secretKey = env.SECRET_KEY;
  let adminToken = env.AGENCY_ADMIN_TOKEN;
  let adminTokenGenerated = false;
  if (mode === "production") {
    const missing = [!secretKey && "SECRET_KEY", !adminToken && "AGENCY_ADMIN_TOKEN"].filter(Boolean);
    if (missing.length) {
      throw new ConfigError(
        `${missing.join(" and ")} must be set in production (pulumi config set --secret ...; see docs/stack.md).`,
      );
    }
  } else {
    secretKey ||= localSecret(dataDir, "secret-key").value;
    if (!adminToken) {
      const token = localSecret(dataDir, "admin-token");
      adminToken = token.value;
      adminTokenGenerated = token.generated;
    }
  }
  if (mode === "production" && env.AGENCY_ALLOW_EMBEDDED !== "true") {
    // In production the API and the worker are separate processes: an in-process queue, a local
    // asset folder or an embedded database would silently split the agency in two.
    const missing = [
      !env.DATABASE_URL && "DATABASE_URL",
      !env.REDIS_URL && "REDIS_URL",
      !env.S3_BUCKET && "S3_BUCKET (with S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY)",
      !env.RESEND_API_KEY && "RESEND_API_KEY",
    ].filter(Boolean);
    if (missing.length) {
      throw new ConfigError(
        `In production (NODE_ENV=production) set ${missing.join(", ")}; the embedded defaults are for one ` +
          "machine (set AGENCY_ALLOW_EMBEDDED=true to use them anyway).",
      );
    }
  }
  if (!/^(?:[^<>]*<[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)$/.test(mailFrom.trim())) {
    throw new ConfigError(
      `MAIL_FROM must be an address or "Name <address>", on a domain your mail provider has verified; got "${mailFrom}".`,
    );
  }
  if (secretKey!.length < 16) throw new ConfigError("SECRET_KEY must be at least 16 characters long.");
  if (adminToken!.length < 16) {
    throw new ConfigError("AGENCY_ADMIN_TOKEN must be at least 16 characters long.");
  }

  return {
    mode,
    version: version(),
    apiHost,
    apiPort,
    workerMetricsPort: int(env, "WORKER_METRICS_PORT", 9465, 0, 65535),
    dataDir,
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    s3: s3FromEnv(env),
    resendApiKey: env.RESEND_API_KEY || undefined,
    mailFrom,
    secretKey: secretKey!,
    adminToken: adminToken!,
    adminTokenGenerated,
    publicApiUrl,
    publicPortalUrl,
    calendarUrl: httpUrl(env, "CALENDAR_URL", `${publicPortalUrl}/portal/book`),
    automationWebhookUrl: url(env, "AUTOMATION_WEBHOOK_URL"),
    campaignDelaysSeconds: parseDelays(
      env.CAMPAIGN_DELAYS,
      mode === "production" ? [0, 2 * 86400, 5 * 86400] : [0, 5, 10],
    ),
    ideaMaxChars: int(env, "INTAKE_IDEA_MAX_CHARS", 4000, 100, 100_000),
    intakesPerEmailPerHour: int(env, "AGENCY_INTAKES_PER_EMAIL_PER_HOUR", 5, 1, 10_000),
    intakesPerDay: int(env, "AGENCY_INTAKES_PER_DAY", 200, 1, 1_000_000),
    bodyLimitBytes: int(env, "API_BODY_LIMIT_BYTES", 64 * 1024, 1024, 10 * 1024 * 1024),
    logLevel: env.LOG_LEVEL || "info",
    workerConcurrency: int(env, "WORKER_CONCURRENCY", 2, 1, 64),
    runIsolation: runIsolation(env),
    queueName: env.RUN_QUEUE_NAME || "agency-runs",
    reviewGates: reviewGates(env),
    projectBudgetUsd: usd(env, "AGENCY_PROJECT_BUDGET_USD", 0.5),
    runLockSeconds: int(env, "RUN_LOCK_SECONDS", 20, 2, 600),
    eventStreams: {
      maxStreams: int(env, "AGENCY_SSE_MAX_STREAMS", 1000, 1, 1_000_000),
      maxStreamsPerClient: int(env, "AGENCY_SSE_MAX_STREAMS_PER_CLIENT", 20, 1, 100_000),
      heartbeatSeconds: int(env, "AGENCY_SSE_HEARTBEAT_SECONDS", 15, 1, 3600),
      maxStreamSeconds: int(env, "AGENCY_SSE_MAX_STREAM_SECONDS", 3600, 1, 86_400),
    },
  };
}
