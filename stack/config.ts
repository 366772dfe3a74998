/**
 * The stack's configuration: one schema (mirrored in the root Pulumi.yaml, a test keeps the two
 * equal), one pure validator that reports every problem at once with the command that fixes it,
 * and a loader that reads Pulumi config. Nothing here creates a resource, so a bad config fails
 * before the first API call.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";

import {
  CONFIG_SCHEMA,
  LOCATIONS,
  OPTIONAL_SECRETS,
  POSTING_SECRETS,
  PROJECT,
  PROVIDER_SECRETS,
  RETIRED_TYPES,
  SECRETS,
  SERVER_MEMORY_MB,
  type PlainKey,
  type SchemaEntry,
  type SecretName,
} from "./configSchema.ts";
import { bucketProblem, databaseUrlProblem, endpointProblem, isCidr } from "./configChecks.ts";

export * from "./configSchema.ts";
export { bucketProblem, databaseUrlProblem, endpointProblem } from "./configChecks.ts";

export interface Hosts {
  agency: string;
  api: string;
  automations: string;
  /** Undefined when Grafana is off. */
  grafana?: string;
}

export interface AgencyConfig {
  stack: string;
  /** Preview name (pr-12) or undefined for a full stack. */
  preview?: string;
  domain: string;
  hosts: Hosts;
  acmeEmail: string;
  location: string;
  /** The server type actually used (previewServerType on previews). */
  serverType: string;
  serverMemoryMb: number;
  sshPublicKeys: string[];
  sshSourceRanges: string[];
  dns: { provider: "cloudflare"; zoneId: string; proxied: boolean } | { provider: "none" };
  grafana: boolean;
  database: "container" | "external";
  /** The Supabase project the app uses (supabaseUrl), or undefined. */
  supabase?: { url: string };
  workers: { count: number; serverType: string };
  images: { orchestrator?: string; frontend?: string };
  /** agency:release: the server-built release to run; undefined runs the checkout's. */
  release?: { orchestrator: string; frontend: string };
  protect: boolean;
  s3: { endpoint: string; bucket: string; region: string };
  mailFrom: string;
  logLevel: string;
  calendarUrl: string;
  basicAuthUser: string;
  backup: {
    retentionDays: number;
    time: string;
    /** Where backups go: the backup bucket, or the app's when none is configured. */
    s3: { endpoint: string; bucket: string; region: string };
    /** Whether the backup bucket has its own keys (backupS3AccessKeyId/backupS3SecretAccessKey). */
    ownCredentials: boolean;
  };
  /** Whether the sentryDsn secret is set, so the app reports to Sentry. */
  sentry: boolean;
  /** Whether secretKeyPrevious is set (a SECRET_KEY rotation is under way). */
  rotatingSecretKey: boolean;
  /** Whether the uptimeRobotApiKey secret is set, so UptimeRobot checks the public hosts. */
  uptime: boolean;
  /** The posting credentials that are set (POSTING_SECRETS), passed to the app as env. */
  posting: (typeof POSTING_SECRETS)[number][];
  /** Secrets this configuration needs (then the optional ones set), in the order the docs list them. */
  secrets: SecretName[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`The stack configuration is not valid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

const DOMAIN = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const PREVIEW = /^[a-z0-9](?:[a-z0-9-]{0,18}[a-z0-9])?$/;
const DIGEST_REF = /^[a-z0-9][a-z0-9._/:-]*@sha256:[a-f0-9]{64}$/;
const SSH_KEY =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/=]+( .*)?$/;
const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace"];

/** Raw config as strings, exactly what `pulumi config` holds (arrays as JSON). */
export type RawConfig = Partial<Record<PlainKey, string>>;

/**
 * Validates raw config and the set of secrets present; returns the typed config or throws one
 * ConfigError listing every problem with its fix. `stack` is the Pulumi stack name.
 */
export function parseConfig(
  raw: RawConfig,
  presentSecrets: ReadonlySet<string>,
  stack: string,
  /** Buckets of the production stack (from Pulumi.prod.yaml), which a preview must not touch. */
  prodBuckets: readonly string[] = [],
): AgencyConfig {
  const problems: string[] = [];
  const set = (key: string, example: string) => `pulumi config set ${PROJECT}:${key} ${example}`;

  const str = (key: PlainKey, example: string): string => {
    const value = raw[key]?.trim();
    if (value !== undefined && value !== "") return value;
    const def = (CONFIG_SCHEMA[key] as SchemaEntry).default;
    if (typeof def === "string") return def;
    problems.push(`${PROJECT}:${key} is required (${CONFIG_SCHEMA[key].description}): ${set(key, example)}`);
    return "";
  };
  const bool = (key: PlainKey): boolean | undefined => {
    const value = raw[key]?.trim();
    if (value === undefined || value === "") return undefined;
    if (value === "true" || value === "false") return value === "true";
    problems.push(`${PROJECT}:${key} must be true or false, not "${value}": ${set(key, "true")}`);
    return undefined;
  };
  const int = (key: PlainKey, min: number, max: number): number => {
    const def = (CONFIG_SCHEMA[key] as SchemaEntry).default as number;
    const value = raw[key]?.trim();
    if (value === undefined || value === "") return def;
    const n = Number(value);
    if (Number.isInteger(n) && n >= min && n <= max) return n;
    problems.push(
      `${PROJECT}:${key} must be a whole number from ${min} to ${max}, not "${value}": ${set(key, String(def))}`,
    );
    return def;
  };
  const list = (key: PlainKey, example: string): string[] => {
    const value = raw[key]?.trim();
    const def = (CONFIG_SCHEMA[key] as SchemaEntry).default;
    if (value === undefined || value === "") {
      if (Array.isArray(def)) return [...def];
      problems.push(
        `${PROJECT}:${key} is required (${CONFIG_SCHEMA[key].description}): pulumi config set --path '${PROJECT}:${key}[0]' '${example}'`,
      );
      return [];
    }
    try {
      const parsed: unknown = JSON.parse(value);
      if (Array.isArray(parsed) && parsed.every((v) => typeof v === "string")) return parsed;
    } catch {
      // fall through to the message below
    }
    problems.push(
      `${PROJECT}:${key} must be a list of strings: pulumi config set --path '${PROJECT}:${key}[0]' '${example}'`,
    );
    return [];
  };

  const preview = str("preview", "pr-12") || undefined;
  if (preview !== undefined && !PREVIEW.test(preview)) {
    problems.push(
      `${PROJECT}:preview "${preview}" must be lower-case letters, digits and dashes, at most 20: ${set("preview", "pr-12")}`,
    );
  }

  const domain = str("domain", "example.com").toLowerCase();
  if (domain && !DOMAIN.test(domain)) {
    problems.push(
      `${PROJECT}:domain "${domain}" is not a domain name (like example.com, no scheme or path): ${set("domain", "example.com")}`,
    );
  }
  const acmeEmail = str("acmeEmail", "ops@example.com");
  if (acmeEmail && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(acmeEmail)) {
    problems.push(
      `${PROJECT}:acmeEmail "${acmeEmail}" is not an email address: ${set("acmeEmail", "ops@example.com")}`,
    );
  }

  const location = str("location", "nbg1");
  if (!(LOCATIONS as readonly string[]).includes(location)) {
    problems.push(
      `${PROJECT}:location "${location}" is not a Hetzner location (${LOCATIONS.join(", ")}): ${set("location", "nbg1")}`,
    );
  }
  const checkType = (key: PlainKey, value: string) => {
    if (SERVER_MEMORY_MB[value] !== undefined) return;
    const successor = RETIRED_TYPES[value];
    problems.push(
      successor
        ? `${PROJECT}:${key} "${value}" is retired by Hetzner; use ${successor}: ${set(key, successor)}`
        : `${PROJECT}:${key} "${value}" is not a server type this program knows (${Object.keys(SERVER_MEMORY_MB).join(", ")}): ${set(key, "cx23")}`,
    );
  };
  const chosenKey: PlainKey = preview ? "previewServerType" : "serverType";
  const serverType = str(chosenKey, "cx23");
  checkType(chosenKey, serverType);
  const workerServerType = str("workerServerType", "cx23");
  checkType("workerServerType", workerServerType);

  const sshPublicKeys = list("sshPublicKeys", "ssh-ed25519 AAAA… you@laptop");
  sshPublicKeys.forEach((key, i) => {
    if (!SSH_KEY.test(key.trim())) {
      problems.push(
        `${PROJECT}:sshPublicKeys[${i}] is not an OpenSSH public key (ssh-ed25519 AAAA…): pulumi config set --path '${PROJECT}:sshPublicKeys[${i}]' "$(cat ~/.ssh/id_ed25519.pub)"`,
      );
    }
  });
  if (raw.sshPublicKeys !== undefined && sshPublicKeys.length === 0 && problems.length === 0) {
    problems.push(
      `${PROJECT}:sshPublicKeys needs at least one key: pulumi config set --path '${PROJECT}:sshPublicKeys[0]' "$(cat ~/.ssh/id_ed25519.pub)"`,
    );
  }
  const sshSourceRanges = list("sshSourceRanges", "203.0.113.4/32");
  for (const range of sshSourceRanges) {
    if (!isCidr(range))
      problems.push(
        `${PROJECT}:sshSourceRanges entry "${range}" is not a CIDR range (like 203.0.113.4/32 or ::/0)`,
      );
  }

  const dnsProvider = str("dnsProvider", "cloudflare");
  const zoneId = str("cloudflareZoneId", "<zone id>");
  const proxied = bool("dnsProxied") ?? false;
  let dns: AgencyConfig["dns"] = { provider: "none" };
  if (dnsProvider === "cloudflare") {
    if (!zoneId) {
      problems.push(
        `${PROJECT}:cloudflareZoneId is required when dnsProvider is cloudflare (the zone's overview page shows it): ${set("cloudflareZoneId", "<32 hex digits>")}, or ${set("dnsProvider", "none")}`,
      );
    } else if (!/^[a-f0-9]{32}$/.test(zoneId)) {
      problems.push(
        `${PROJECT}:cloudflareZoneId "${zoneId}" must be 32 hex digits (the Zone ID, not the domain)`,
      );
    }
    dns = { provider: "cloudflare", zoneId, proxied };
  } else if (dnsProvider === "none") {
    if (proxied)
      problems.push(
        `${PROJECT}:dnsProxied only applies with dnsProvider cloudflare: pulumi config rm ${PROJECT}:dnsProxied`,
      );
  } else {
    problems.push(
      `${PROJECT}:dnsProvider must be cloudflare or none, not "${dnsProvider}": ${set("dnsProvider", "none")}`,
    );
  }

  const grafana = bool("grafana") ?? !preview;
  const supabaseUrl = str("supabaseUrl", "https://<ref>.supabase.co");
  if (supabaseUrl && !/^https:\/\/[a-z0-9.-]+(:\d+)?\/?$/i.test(supabaseUrl)) {
    problems.push(
      `${PROJECT}:supabaseUrl "${supabaseUrl}" must be the project's https URL without a path: ${set("supabaseUrl", "https://<ref>.supabase.co")}`,
    );
  }
  const database = raw.database?.trim() || (supabaseUrl ? "external" : "container");
  if (supabaseUrl && database === "container") {
    problems.push(
      `${PROJECT}:database container conflicts with supabaseUrl (the project's Postgres replaces the container): pulumi config rm ${PROJECT}:database`,
    );
  }
  if (database !== "container" && database !== "external") {
    problems.push(
      `${PROJECT}:database must be container or external, not "${database}": ${set("database", "container")}`,
    );
  }
  const workerCount = int("workerServers", 0, 20);
  if (workerCount > 0 && database !== "external") {
    problems.push(
      `${PROJECT}:workerServers > 0 needs an external Postgres the workers can reach (the container Postgres is on the server's internal network only): ${set("database", "external")} and pulumi config set --secret ${PROJECT}:databaseUrl <url>, or ${set("workerServers", "0")}`,
    );
  }
  if (workerCount > 0 && preview) {
    problems.push(
      `${PROJECT}:workerServers is not available on preview stacks (${preview}): ${set("workerServers", "0")}`,
    );
  }

  const images: AgencyConfig["images"] = {};
  for (const [key, field] of [
    ["orchestratorImage", "orchestrator"],
    ["frontendImage", "frontend"],
  ] as const) {
    const ref = str(key, "");
    if (!ref) continue;
    if (!DIGEST_REF.test(ref)) {
      problems.push(
        `${PROJECT}:${key} "${ref}" must be pinned by digest (registry/name@sha256:<64 hex>); docker buildx imagetools inspect <ref> prints it. Or pulumi config rm ${PROJECT}:${key} to build on the server.`,
      );
    } else images[field] = ref;
  }

  const releaseText = str("release", "");
  const release = releaseText ? /^([a-f0-9]{16})-([a-f0-9]{16})$/.exec(releaseText) : null;
  if (releaseText && !release) {
    problems.push(
      `${PROJECT}:release "${releaseText}" is not a release (<16 hex>-<16 hex>, as \`pulumi stack output release\` prints it): ${set("release", "<release>")}, or pulumi config rm ${PROJECT}:release to run the checkout`,
    );
  }

  const protectSetting = bool("protect");
  if (preview && protectSetting === true) {
    problems.push(
      `${PROJECT}:protect cannot be true on a preview stack (previews must be destroyable): pulumi config rm ${PROJECT}:protect`,
    );
  }
  const protect = preview ? false : (protectSetting ?? true);

  const s3 = {
    endpoint: str("s3Endpoint", "https://fsn1.your-objectstorage.com"),
    bucket: str("s3Bucket", "my-agency"),
    region: str("s3Region", "eu-central"),
  };
  if (s3.endpoint) {
    const problem = endpointProblem(s3.endpoint);
    if (problem)
      problems.push(
        `${PROJECT}:s3Endpoint "${s3.endpoint}" ${problem}: ${set("s3Endpoint", "https://fsn1.your-objectstorage.com")}`,
      );
  }
  if (s3.bucket) {
    const problem = bucketProblem(s3.bucket);
    if (problem)
      problems.push(`${PROJECT}:s3Bucket "${s3.bucket}" ${problem}: ${set("s3Bucket", "my-agency")}`);
  }
  const backupBucket = str("backupS3Bucket", "") || s3.bucket;
  const backupEndpoint = str("backupS3Endpoint", "") || s3.endpoint;
  if (raw.backupS3Bucket?.trim()) {
    const problem = bucketProblem(backupBucket);
    if (problem)
      problems.push(
        `${PROJECT}:backupS3Bucket "${backupBucket}" ${problem}: ${set("backupS3Bucket", "my-agency-backups")}`,
      );
  }
  if (raw.backupS3Endpoint?.trim()) {
    const problem = endpointProblem(backupEndpoint);
    if (problem)
      problems.push(
        `${PROJECT}:backupS3Endpoint "${backupEndpoint}" ${problem}: ${set("backupS3Endpoint", "https://fsn1.your-objectstorage.com")}`,
      );
  }
  const backupKeys = ["backupS3AccessKeyId", "backupS3SecretAccessKey"].filter((k) =>
    presentSecrets.has(`${PROJECT}:${k}`),
  );
  if (backupKeys.length === 1) {
    const other = backupKeys[0] === "backupS3AccessKeyId" ? "backupS3SecretAccessKey" : "backupS3AccessKeyId";
    problems.push(
      `${PROJECT}:${backupKeys[0]} is set but ${PROJECT}:${other} is not; set both or neither: pulumi config set --secret ${PROJECT}:${other} <value>`,
    );
  }
  if (preview) {
    for (const [key, bucket] of [
      ["s3Bucket", s3.bucket],
      ["backupS3Bucket", backupBucket],
    ] as const) {
      if (bucket && prodBuckets.includes(bucket))
        problems.push(
          `${PROJECT}:${key} "${bucket}" is the production stack's bucket; a preview (${preview}) must not read or prune it: ${set("s3Bucket", `${s3.bucket}-${preview}`)} (and pulumi config rm ${PROJECT}:backupS3Bucket), with keys for that bucket only`,
        );
    }
  }

  const logLevel = str("logLevel", "info");
  if (!LOG_LEVELS.includes(logLevel))
    problems.push(`${PROJECT}:logLevel must be one of ${LOG_LEVELS.join(", ")}, not "${logLevel}"`);
  const backupTime = str("backupTime", "03:30");
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(backupTime))
    problems.push(
      `${PROJECT}:backupTime "${backupTime}" must be HH:MM in UTC: ${set("backupTime", "03:30")}`,
    );
  const basicAuthUser = str("basicAuthUser", "admin");
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(basicAuthUser))
    problems.push(`${PROJECT}:basicAuthUser must be letters, digits, dot, dash or underscore`);

  const secrets: SecretName[] = [
    "openaiApiKey",
    "anthropicApiKey",
    "resendApiKey",
    "s3AccessKeyId",
    "s3SecretAccessKey",
    "secretKey",
    "agencyAdminToken",
    "agencyOperators",
    "redisPassword",
    database === "external" ? "databaseUrl" : "postgresPassword",
    ...(supabaseUrl ? (["supabaseServiceKey"] as const) : []),
    "n8nEncryptionKey",
    "qdrantApiKey",
    "cmsWebhookSecret",
    "automationWebhookSecret",
    "alertmanagerToken",
    "backupPassphrase",
    "automationsPasswordHash",
    ...(grafana ? (["grafanaPasswordHash", "grafanaAdminPassword"] as const) : []),
  ];
  const missing = [
    "hcloud:token",
    ...(dns.provider === "cloudflare" ? ["cloudflare:apiToken"] : []),
    ...secrets.map((s) => `${PROJECT}:${s}`),
  ].filter((key) => !presentSecrets.has(key));
  if (missing.length) {
    problems.push(
      `missing secrets (docs/stack.md says how to make each): ${missing.map((k) => `pulumi config set --secret ${k} <value>`).join("; ")}`,
    );
  }

  if (problems.length) throw new ConfigError(problems);
  const optional = OPTIONAL_SECRETS.filter((s) => presentSecrets.has(`${PROJECT}:${s}`));

  const host = (label: string) => (preview ? `${preview}-${label}.${domain}` : `${label}.${domain}`);
  return {
    stack,
    preview,
    domain,
    hosts: {
      agency: host("agency"),
      api: host("api"),
      automations: host("automations"),
      ...(grafana ? { grafana: host("grafana") } : {}),
    },
    acmeEmail,
    location,
    serverType,
    serverMemoryMb: SERVER_MEMORY_MB[serverType] ?? 0,
    sshPublicKeys: sshPublicKeys.map((k) => k.trim()),
    sshSourceRanges,
    dns,
    grafana,
    database: database as AgencyConfig["database"],
    ...(supabaseUrl ? { supabase: { url: supabaseUrl.replace(/\/$/, "") } } : {}),
    workers: { count: workerCount, serverType: workerServerType },
    images,
    ...(release ? { release: { orchestrator: release[1]!, frontend: release[2]! } } : {}),
    protect,
    s3,
    mailFrom: str("mailFrom", "") || `agency@${domain}`,
    logLevel,
    calendarUrl: str("calendarUrl", ""),
    basicAuthUser,
    backup: {
      retentionDays: int("backupRetentionDays", 1, 3650),
      time: backupTime,
      s3: { endpoint: backupEndpoint, bucket: backupBucket, region: s3.region },
      ownCredentials: backupKeys.length === 2,
    },
    sentry: optional.includes("sentryDsn"),
    rotatingSecretKey: optional.includes("secretKeyPrevious"),
    uptime: optional.includes("uptimeRobotApiKey"),
    posting: POSTING_SECRETS.filter((name) => optional.includes(name)),
    secrets: [...secrets, ...optional],
  };
}

/** Reads the current stack's Pulumi config and validates it (throws ConfigError). */
export function loadConfig(): AgencyConfig {
  const config = new pulumi.Config(PROJECT);
  const raw: RawConfig = {};
  for (const key of Object.keys(CONFIG_SCHEMA) as PlainKey[]) {
    const value = config.get(key);
    if (value !== undefined) raw[key] = value;
  }
  const present = new Set<string>();
  for (const full of [
    ...Object.keys(PROVIDER_SECRETS),
    ...Object.keys(SECRETS).map((s) => `${PROJECT}:${s}`),
  ]) {
    const [ns, key] = full.split(":") as [string, string];
    if (new pulumi.Config(ns).getSecret(key) !== undefined) present.add(full);
  }
  return parseConfig(raw, present, pulumi.getStack(), prodBuckets());
}

/** The buckets Pulumi.prod.yaml configures (none when there is no such file). */
export function prodBuckets(root = path.resolve(import.meta.dirname, "..")): string[] {
  const file = path.join(root, "Pulumi.prod.yaml");
  if (!existsSync(file)) return [];
  const doc = (parse(readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  return [`${PROJECT}:s3Bucket`, `${PROJECT}:backupS3Bucket`]
    .map((k) => doc.config?.[k])
    .filter((v): v is string => typeof v === "string" && v !== "");
}

/** The secrets the configuration needs, as Outputs marked secret. Call after loadConfig. */
export function loadSecrets(cfg: AgencyConfig): Partial<Record<SecretName, pulumi.Output<string>>> {
  const config = new pulumi.Config(PROJECT);
  const secrets: Partial<Record<SecretName, pulumi.Output<string>>> = Object.fromEntries(
    cfg.secrets.map((name) => [name, config.requireSecret(name)]),
  );
  // Checked where the value is known: a URL without TLS stops the deploy before it is used.
  if (secrets.databaseUrl) {
    secrets.databaseUrl = secrets.databaseUrl.apply((url) => {
      const problem = databaseUrlProblem(url);
      if (problem) throw new ConfigError([problem]);
      return url;
    });
  }
  return secrets;
}
