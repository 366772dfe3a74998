/**
 * The orchestrator's configuration, read once from the environment.
 * Every production part is optional: without it the embedded default serves (see docs/decisions.md).
 */
import { hkdfSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseReviewGates, type ReviewGate } from "@roboagency/agents";

/**
 * The portal's API token as both sides derive it from the SECRET_KEY they share, so a deployment
 * needs no extra secret. services/frontend/src/lib/server/config.ts derives it the same way.
 */
export function portalTokenFrom(secretKey: string): string {
  return Buffer.from(hkdfSync("sha256", secretKey, "", "roboagency portal api token v1", 32)).toString(
    "base64url",
  );
}

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

/**
 * Credentials of the social platforms the content flow posts to (data-access/posting/); a platform
 * without them keeps the dry-run adapter. The base URLs exist for tests against fake servers.
 */
export interface PostingConfig {
  /** X API v2 with OAuth 1.0a user context (X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN, X_ACCESS_SECRET). */
  x?: { appKey: string; appSecret: string; accessToken: string; accessSecret: string; baseUrl: string };
  /** LinkedIn Posts API as an organisation or a member (LINKEDIN_AUTHOR_URN), OAuth2 with refresh. */
  linkedin?: {
    authorUrn: string;
    accessToken?: string;
    refreshToken?: string;
    clientId?: string;
    clientSecret?: string;
    /** The `LinkedIn-Version` header (YYYYMM). Defaults to 202510. */
    version: string;
    baseUrl: string;
    tokenUrl: string;
  };
  /** YouTube Data API v3, OAuth2 refresh token of the channel's owner. */
  youtube?: {
    clientId: string;
    clientSecret: string;
    refreshToken: string;
    /** public, unlisted or private. Defaults to public. */
    privacyStatus: "public" | "unlisted" | "private";
    rootUrl: string;
    tokenUrl: string;
  };
  /** Instagram API with Instagram Login: a professional account's id and long-lived token. */
  instagram?: { userId: string; accessToken: string; baseUrl: string; version: string };
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
  /**
   * What the portal's server presents to the API: it reaches the portal's routes only, never the
   * operator endpoints. AGENCY_PORTAL_TOKEN, else derived from SECRET_KEY (`portalTokenFrom`).
   */
  portalToken: string;
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
  workerConcurrency: number;
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
  /** Real posting adapters, each on when its platform's credentials are set. */
  posting: PostingConfig;
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

/** The variables of one optional part: all of `names` set, or none of them. */
function allOrNone(env: Env, part: string, names: readonly string[]): boolean {
  const given = names.filter((n) => env[n]);
  if (given.length === 0) return false;
  if (given.length !== names.length) {
    const missing = names.filter((n) => !env[n]);
    throw new ConfigError(
      `${part} is half configured: set ${missing.join(", ")} as well, or unset ${given.join(", ")} to keep the dry-run adapter.`,
    );
  }
  return true;
}

function postingFromEnv(env: Env): PostingConfig {
  const posting: PostingConfig = {};
  if (allOrNone(env, "Posting to X", ["X_API_KEY", "X_API_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_SECRET"])) {
    posting.x = {
      appKey: env.X_API_KEY!,
      appSecret: env.X_API_SECRET!,
      accessToken: env.X_ACCESS_TOKEN!,
      accessSecret: env.X_ACCESS_SECRET!,
      baseUrl: url(env, "X_API_BASE_URL", "https://api.x.com")!,
    };
  }
  if (env.LINKEDIN_AUTHOR_URN || env.LINKEDIN_ACCESS_TOKEN || env.LINKEDIN_REFRESH_TOKEN) {
    const refresh = allOrNone(env, "LinkedIn token refresh", [
      "LINKEDIN_REFRESH_TOKEN",
      "LINKEDIN_CLIENT_ID",
      "LINKEDIN_CLIENT_SECRET",
    ]);
    const author = env.LINKEDIN_AUTHOR_URN ?? "";
    if (!/^urn:li:(organization|person):[A-Za-z0-9_-]+$/.test(author)) {
      throw new ConfigError(
        `LINKEDIN_AUTHOR_URN must be urn:li:organization:<id> or urn:li:person:<id>; got "${author}".`,
      );
    }
    if (!refresh && !env.LINKEDIN_ACCESS_TOKEN) {
      throw new ConfigError(
        "Posting to LinkedIn needs LINKEDIN_ACCESS_TOKEN, or LINKEDIN_REFRESH_TOKEN with LINKEDIN_CLIENT_ID and LINKEDIN_CLIENT_SECRET.",
      );
    }
    const version = env.LINKEDIN_VERSION || "202510";
    if (!/^20\d{4}$/.test(version)) {
      throw new ConfigError(
        `LINKEDIN_VERSION must be a LinkedIn API version such as 202510 (YYYYMM); got "${version}".`,
      );
    }
    posting.linkedin = {
      authorUrn: author,
      accessToken: env.LINKEDIN_ACCESS_TOKEN || undefined,
      refreshToken: env.LINKEDIN_REFRESH_TOKEN || undefined,
      clientId: env.LINKEDIN_CLIENT_ID || undefined,
      clientSecret: env.LINKEDIN_CLIENT_SECRET || undefined,
      version,
      baseUrl: url(env, "LINKEDIN_API_BASE_URL", "https://api.linkedin.com")!,
      tokenUrl: url(env, "LINKEDIN_TOKEN_URL", "https://www.linkedin.com/oauth/v2/accessToken")!,
    };
  }
  if (
    allOrNone(env, "Posting to YouTube", [
      "YOUTUBE_CLIENT_ID",
      "YOUTUBE_CLIENT_SECRET",
      "YOUTUBE_REFRESH_TOKEN",
    ])
  ) {
    const privacy = env.YOUTUBE_PRIVACY_STATUS || "public";
    if (privacy !== "public" && privacy !== "unlisted" && privacy !== "private") {
      throw new ConfigError(`YOUTUBE_PRIVACY_STATUS must be public, unlisted or private; got "${privacy}".`);
    }
    posting.youtube = {
      clientId: env.YOUTUBE_CLIENT_ID!,
      clientSecret: env.YOUTUBE_CLIENT_SECRET!,
      refreshToken: env.YOUTUBE_REFRESH_TOKEN!,
      privacyStatus: privacy,
      rootUrl: url(env, "YOUTUBE_API_BASE_URL", "https://youtube.googleapis.com")!,
      tokenUrl: url(env, "YOUTUBE_TOKEN_URL", "https://oauth2.googleapis.com/token")!,
    };
  }
  if (allOrNone(env, "Posting to Instagram", ["INSTAGRAM_USER_ID", "INSTAGRAM_ACCESS_TOKEN"])) {
    posting.instagram = {
      userId: env.INSTAGRAM_USER_ID!,
      accessToken: env.INSTAGRAM_ACCESS_TOKEN!,
      baseUrl: url(env, "INSTAGRAM_API_BASE_URL", "https://graph.instagram.com")!,
      version: env.INSTAGRAM_API_VERSION || "v23.0",
    };
  }
  return posting;
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
  if (env.AGENCY_PORTAL_TOKEN !== undefined && env.AGENCY_PORTAL_TOKEN.length < 16) {
    throw new ConfigError("AGENCY_PORTAL_TOKEN must be at least 16 characters long.");
  }
  if (env.AGENCY_PORTAL_TOKEN && env.AGENCY_PORTAL_TOKEN === adminToken) {
    throw new ConfigError("AGENCY_PORTAL_TOKEN must differ from AGENCY_ADMIN_TOKEN: it has fewer rights.");
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
    portalToken: env.AGENCY_PORTAL_TOKEN || portalTokenFrom(secretKey!),
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
    queueName: env.RUN_QUEUE_NAME || "agency-runs",
    reviewGates: reviewGates(env),
    projectBudgetUsd: usd(env, "AGENCY_PROJECT_BUDGET_USD", 0.5),
    runLockSeconds: int(env, "RUN_LOCK_SECONDS", 20, 2, 600),
    posting: postingFromEnv(env),
  };
}
