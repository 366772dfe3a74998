/**
 * The stack's settings as data: the plain config schema (mirrored in the root Pulumi.yaml, a
 * test keeps the two equal) with each default written once, the secrets and what each is for,
 * and the Hetzner facts the validator checks against (locations, zones, server memory).
 */

export const PROJECT = "agency";

type PlainType = "string" | "boolean" | "integer" | "array";

export interface SchemaEntry {
  type: PlainType;
  description: string;
  default?: string | boolean | number | string[];
}

/** Plain (non-secret) settings. Keys without a default are required. */
export const CONFIG_SCHEMA = {
  domain: {
    type: "string",
    description: "Domain the agency is served under (agency.<domain>, api.<domain>, …).",
  },
  acmeEmail: { type: "string", description: "Email Let's Encrypt writes to about certificates." },
  location: { type: "string", description: "Hetzner location of the servers.", default: "nbg1" },
  serverType: { type: "string", description: "Hetzner server type of the main server.", default: "cx23" },
  previewServerType: {
    type: "string",
    description: "Server type of preview stacks (smaller than production).",
    default: "cx23",
  },
  sshPublicKeys: { type: "array", description: "SSH public keys allowed to log in as root (at least one)." },
  sshSourceRanges: {
    type: "array",
    description:
      "CIDR ranges allowed to reach port 22: where you and the deploy run from (no default; 0.0.0.0/0 and ::/0 open it to everyone).",
  },
  dnsProvider: {
    type: "string",
    description: "cloudflare creates the A records; none lists them in the outputs for another provider.",
    default: "cloudflare",
  },
  cloudflareZoneId: {
    type: "string",
    description: "Cloudflare zone id of the domain (when dnsProvider is cloudflare).",
    default: "",
  },
  dnsProxied: {
    type: "boolean",
    description: "Proxy the records through Cloudflare (off so Caddy can answer ACME challenges).",
    default: false,
  },
  grafana: {
    type: "boolean",
    description: "Run Grafana at grafana.<domain> (preview stacks default to off).",
    default: true,
  },
  database: {
    type: "string",
    description:
      "container runs Postgres on the server; external uses the databaseUrl secret (e.g. Supabase).",
    default: "container",
  },
  supabaseUrl: {
    type: "string",
    description:
      "Supabase project (https://<ref>.supabase.co) instead of the Postgres container: artifacts in its Storage, portal sign-in through its Auth, its Postgres by databaseUrl; empty uses none.",
    default: "",
  },
  workerServers: { type: "integer", description: "Extra worker servers on a private network.", default: 0 },
  workerServerType: {
    type: "string",
    description: "Server type of the extra worker servers.",
    default: "cx23",
  },
  orchestratorImage: {
    type: "string",
    description: "Published orchestrator image pinned by digest (name@sha256:…); empty builds on the server.",
    default: "",
  },
  frontendImage: {
    type: "string",
    description: "Published frontend image pinned by digest (name@sha256:…); empty builds on the server.",
    default: "",
  },
  release: {
    type: "string",
    description:
      "Release of the images built on the server to run (<orchestrator hash>-<frontend hash>, the `release` output of an earlier up); empty builds and runs the checkout. Setting an earlier one rolls back without a rebuild.",
    default: "",
  },
  protect: {
    type: "boolean",
    description: "Delete and rebuild protection on the server and state.",
    default: true,
  },
  preview: {
    type: "string",
    description: "Preview name such as pr-12: prefixes host names, small server.",
    default: "",
  },
  s3Endpoint: { type: "string", description: "S3 endpoint for artifacts and backups." },
  s3Bucket: { type: "string", description: "S3 bucket for artifacts and backups." },
  s3Region: { type: "string", description: "S3 region.", default: "eu-central" },
  mailFrom: {
    type: "string",
    description: "Sender of the agency's mail; empty means agency@<domain>.",
    default: "",
  },
  logLevel: { type: "string", description: "Log level of the orchestrator and worker.", default: "info" },
  calendarUrl: { type: "string", description: "Booking link shown to clients.", default: "" },
  basicAuthUser: {
    type: "string",
    description: "User name for the basic auth in front of automations and grafana.",
    default: "admin",
  },
  backupRetentionDays: {
    type: "integer",
    description: "Days nightly backups are kept in the bucket.",
    default: 14,
  },
  backupTime: { type: "string", description: "Time of the nightly backup (HH:MM, UTC).", default: "03:30" },
  backupS3Bucket: {
    type: "string",
    description:
      "Bucket for backups, apart from the app's (recommended, with its own keys); empty shares s3Bucket.",
    default: "",
  },
  backupS3Endpoint: {
    type: "string",
    description: "S3 endpoint of the backup bucket; empty uses s3Endpoint.",
    default: "",
  },
} as const satisfies Record<string, SchemaEntry>;

export type PlainKey = keyof typeof CONFIG_SCHEMA;

/** Every secret the program may need, with what it is for; the docs list the same. */
export const SECRETS = {
  openaiApiKey: "OpenAI API key (embeddings and models).",
  anthropicApiKey: "Anthropic API key.",
  resendApiKey: "Resend API key for mail.",
  s3AccessKeyId: "S3 access key id.",
  s3SecretAccessKey: "S3 secret access key.",
  secretKey:
    "SECRET_KEY, the root the orchestrator and the portal derive one key per purpose from (openssl rand -hex 32).",
  secretKeyPrevious:
    "Optional, during a rotation: the SECRET_KEY before the current one, still accepted for verification; remove it after 7 days.",
  agencyAdminToken: "AGENCY_ADMIN_TOKEN for the admin API (openssl rand -hex 32).",
  agencyOperators:
    "Portal operators, name:scrypt$… comma-separated (npm run ops:hash-password -w services/frontend).",
  redisPassword: "Password of the Redis queue (openssl rand -hex 24).",
  postgresPassword: "Password of the container Postgres (database=container).",
  databaseUrl: "Connection string of the external Postgres (database=external).",
  supabaseServiceKey: "Supabase service role key (Project Settings > API), with supabaseUrl.",
  n8nEncryptionKey: "Key n8n encrypts its credentials with (openssl rand -hex 32).",
  automationsPasswordHash: "bcrypt hash of the automations basic-auth password (caddy hash-password).",
  grafanaPasswordHash: "bcrypt hash of the grafana basic-auth password (caddy hash-password).",
  grafanaAdminPassword: "Grafana's own admin password.",
  qdrantApiKey: "API key Qdrant requires of every client (openssl rand -hex 32).",
  cmsWebhookSecret:
    "Secret the CMS signs publish events with (to n8n or the orchestrator), shared with the CMS (openssl rand -hex 32).",
  automationWebhookSecret:
    "Secret the orchestrator signs lead_ready to n8n with; only the two hold it (openssl rand -hex 32).",
  alertmanagerToken:
    "Token Alertmanager and the n8n monitoring flow post alerts to the orchestrator with (openssl rand -hex 32).",
  backupPassphrase:
    "Passphrase the backups are encrypted with before upload (openssl rand -hex 32); keep a copy outside the stack, a restore needs it.",
  backupS3AccessKeyId: "Optional: access key id of the backup bucket; unset uses s3AccessKeyId.",
  backupS3SecretAccessKey: "Optional: secret access key of the backup bucket; unset uses s3SecretAccessKey.",
  sentryDsn: "Optional: Sentry DSN the orchestrator and worker report errors to; unset sends nothing.",
  uptimeRobotApiKey:
    "Optional: UptimeRobot main API key; set, the stack keeps 1-minute external checks of the public hosts (docs/operations.md).",
  xApiKey:
    "Optional: X API key (OAuth 1.0a); with xApiSecret, xAccessToken and xAccessSecret the content flow posts to X.",
  xApiSecret: "Optional: X API key secret.",
  xAccessToken: "Optional: X access token of the posting account.",
  xAccessSecret: "Optional: X access token secret of the posting account.",
  linkedinAuthorUrn:
    "Optional: urn:li:organization:<id> or urn:li:person:<id>; with a LinkedIn token the content flow posts to LinkedIn.",
  linkedinAccessToken: "Optional: LinkedIn access token (or the refresh token and client below).",
  linkedinRefreshToken: "Optional: LinkedIn refresh token, with linkedinClientId and linkedinClientSecret.",
  linkedinClientId: "Optional: LinkedIn app client id (for token refresh).",
  linkedinClientSecret: "Optional: LinkedIn app client secret (for token refresh).",
  youtubeClientId:
    "Optional: Google OAuth client id; with the secret and refresh token the explainer goes to YouTube.",
  youtubeClientSecret: "Optional: Google OAuth client secret.",
  youtubeRefreshToken: "Optional: refresh token of the channel's owner.",
  instagramUserId:
    "Optional: Instagram professional account id; with instagramAccessToken posts go to Instagram.",
  instagramAccessToken: "Optional: Instagram long-lived access token (refreshed daily by the agency).",
} as const;

export type SecretName = keyof typeof SECRETS;

/**
 * The social platforms' credentials (services/orchestrator/src/config.ts, postingFromEnv): each
 * reaches the API and the worker as its SNAKE_CASE variable when set; a platform without them keeps
 * the dry-run adapter, and one half set is refused by the orchestrator naming the rest.
 */
export const POSTING_SECRETS = [
  "xApiKey",
  "xApiSecret",
  "xAccessToken",
  "xAccessSecret",
  "linkedinAuthorUrn",
  "linkedinAccessToken",
  "linkedinRefreshToken",
  "linkedinClientId",
  "linkedinClientSecret",
  "youtubeClientId",
  "youtubeClientSecret",
  "youtubeRefreshToken",
  "instagramUserId",
  "instagramAccessToken",
] as const satisfies readonly (keyof typeof SECRETS)[];

/** Secrets that switch a feature on when set and are never reported missing. */
export const OPTIONAL_SECRETS: readonly SecretName[] = [
  "secretKeyPrevious",
  "backupS3AccessKeyId",
  "backupS3SecretAccessKey",
  "sentryDsn",
  "uptimeRobotApiKey",
  ...POSTING_SECRETS,
];

/** Provider credentials live in the providers' namespaces. */
export const PROVIDER_SECRETS = {
  "hcloud:token": "Hetzner Cloud API token (read/write).",
  "cloudflare:apiToken": "Cloudflare API token with DNS edit on the zone (dnsProvider=cloudflare).",
} as const;

export const LOCATIONS = ["fsn1", "nbg1", "hel1", "ash", "hil", "sin"] as const;

/** Hetzner's network zone of each location (what getLocation reports): a private subnet must be in it. */
export const NETWORK_ZONES: Record<(typeof LOCATIONS)[number], string> = {
  fsn1: "eu-central",
  nbg1: "eu-central",
  hel1: "eu-central",
  ash: "us-east",
  hil: "us-west",
  sin: "ap-southeast",
};

/** The network zone of `location`; throws naming the known locations. */
export function networkZone(location: string): string {
  const zone = (NETWORK_ZONES as Record<string, string>)[location];
  if (!zone) throw new Error(`no network zone known for location "${location}" (${LOCATIONS.join(", ")})`);
  return zone;
}

/**
 * Memory of the server types the program knows, in MB. Limits are planned from this table so the
 * render and the compose file need no API call; at deploy time the real type is checked against it.
 */
export const SERVER_MEMORY_MB: Record<string, number> = {
  cx23: 4096,
  cx33: 8192,
  cx43: 16384,
  cx53: 32768,
  cax11: 4096,
  cax21: 8192,
  cax31: 16384,
  cax41: 32768,
  cpx22: 4096,
  cpx32: 8192,
  cpx42: 16384,
  cpx52: 24576,
  cpx62: 32768,
  ccx13: 8192,
  ccx23: 16384,
  ccx33: 32768,
  ccx43: 65536,
};
export const RETIRED_TYPES: Record<string, string> = {
  cx11: "cx23",
  cx21: "cx23",
  cx22: "cx23",
  cx31: "cx33",
  cx32: "cx33",
  cx41: "cx43",
  cx42: "cx43",
  cx51: "cx53",
  cx52: "cx53",
};
