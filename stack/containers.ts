/**
 * What runs on the server, as data: one definition per container. The Pulumi program turns these
 * into docker resources and renderCompose turns the very same list into docker-compose.yml, so the
 * two cannot drift apart without a test noticing. Nothing here touches Pulumi. The shapes and
 * shared helpers are in containerSpec.ts (re-exported here).
 */
import {
  alertmanagerSecrets,
  renderedFiles,
  repoFiles as monitoringRepoFiles,
  type RepoFile,
} from "../monitoring/files.ts";
import type { AgencyConfig } from "./config.ts";
import {
  APP_REPLICAS,
  IMAGES,
  MAIN_PRIVATE_IP,
  NETWORKS,
  STOP_GRACE_SECONDS,
  expandReplicas,
  goDuration,
  instanceNames,
  localImage,
  memoryLimitMb,
  secretEnvVar,
  type BuiltImage,
  type ImageSpec,
  type NetworkName,
  type Role,
  type ServiceDefinition,
} from "./containerSpec.ts";

import { GATEWAY_PORTS, PRIVATE_TLS_FILES, gatewayCommand } from "./privateLink.ts";

export * from "./containerSpec.ts";

/** Monitoring files go where monitoring/files.ts says; that list is the one source of container paths. */
const monitoringFiles = (container: RepoFile["container"]) =>
  monitoringRepoFiles
    .filter((f) => f.container === container)
    .map((f) => ({ source: f.source, target: f.target }));

/** Rendered files (see generated.ts), by their path in the generated folder. */
export const GENERATED = {
  httpsProbeTargets: { source: "prometheus/targets/https.json", target: renderedFiles.httpsProbeTargets },
  alertRecipients: { source: "alertmanager/recipients.tmpl", target: renderedFiles.alertRecipients },
} as const;

const wget = (url: string) => ["CMD-SHELL", `wget -q -O /dev/null ${url} || exit 1`];
// Durations in the spelling the provider reads back (goDuration), so an unchanged stack diffs clean.
const health = (test: string[], startPeriod = "30s") => ({
  test,
  interval: goDuration("30s"),
  timeout: goDuration("5s"),
  retries: 5,
  startPeriod: goDuration(startPeriod),
});

function base(
  name: string,
  role: Role,
  image: ImageSpec,
  cfg: Pick<AgencyConfig, "serverMemoryMb">,
): ServiceDefinition {
  return {
    name,
    service: name,
    role,
    image,
    readOnly: true,
    tmpfs: ["/tmp"],
    tmpfsMb: 64,
    networks: [],
    ports: [],
    env: {},
    secretEnv: {},
    secretFiles: [],
    volumes: [],
    files: [],
    generated: [],
    hostMounts: [],
    healthcheck: health(["NONE"]),
    memoryMb: memoryLimitMb(name, cfg.serverMemoryMb),
    capAdd: [],
    dependsOn: [],
  };
}

export type DefinitionConfig = Pick<
  AgencyConfig,
  | "hosts"
  | "grafana"
  | "database"
  | "supabase"
  | "logLevel"
  | "s3"
  | "mailFrom"
  | "calendarUrl"
  | "acmeEmail"
  | "basicAuthUser"
  | "serverMemoryMb"
  | "images"
  | "workers"
  | "stack"
  | "sentry"
  | "rotatingSecretKey"
  | "posting"
> & {
  /** The server-built images to run (plan() tags them by release); unset builds `:local`. */
  builtImages?: Partial<Record<BuiltImage, ImageSpec>>;
};

/** The application's environment, shared by the API and the worker. */
export function appEnv(
  cfg: DefinitionConfig,
  redisHost = "redis",
  qdrantHost = "qdrant",
): Pick<ServiceDefinition, "env" | "secretEnv"> {
  return {
    env: {
      NODE_ENV: "production",
      // The root filesystem is read-only; scratch files go to the tmpfs.
      AGENCY_DATA_DIR: "/tmp/agency",
      LOG_LEVEL: cfg.logLevel,
      S3_ENDPOINT: cfg.s3.endpoint,
      S3_BUCKET: cfg.s3.bucket,
      S3_REGION: cfg.s3.region,
      MAIL_FROM: cfg.mailFrom,
      QDRANT_URL: `http://${qdrantHost}:6333`,
      PUBLIC_PORTAL_URL: `https://${cfg.hosts.agency}`,
      PUBLIC_API_URL: `https://${cfg.hosts.api}`,
      // The lead warm-up flow's webhook (services/automation/workflows/lead-warmup.json).
      AUTOMATION_WEBHOOK_URL: "http://n8n:5678/webhook/agency/lead-ready",
      // Unset rather than empty: the orchestrator then derives a mailto: link.
      ...(cfg.calendarUrl ? { CALENDAR_URL: cfg.calendarUrl } : {}),
      ...(cfg.supabase ? { SUPABASE_URL: cfg.supabase.url } : {}),
    },
    secretEnv: {
      DATABASE_URL:
        cfg.database === "external"
          ? "{{databaseUrl}}"
          : "postgres://agency:{{postgresPassword}}@postgres:5432/agency",
      REDIS_URL: `redis://:{{redisPassword}}@${redisHost}:6379`,
      S3_ACCESS_KEY_ID: "{{s3AccessKeyId}}",
      S3_SECRET_ACCESS_KEY: "{{s3SecretAccessKey}}",
      RESEND_API_KEY: "{{resendApiKey}}",
      SECRET_KEY: "{{secretKey}}",
      ...(cfg.rotatingSecretKey ? { SECRET_KEY_PREVIOUS: "{{secretKeyPrevious}}" } : {}),
      // lead_ready to n8n is signed with n8n's own secret, not with SECRET_KEY.
      AUTOMATION_WEBHOOK_SECRET: "{{automationWebhookSecret}}",
      AGENCY_ADMIN_TOKEN: "{{agencyAdminToken}}",
      OPENAI_API_KEY: "{{openaiApiKey}}",
      ANTHROPIC_API_KEY: "{{anthropicApiKey}}",
      QDRANT_API_KEY: "{{qdrantApiKey}}",
      ...(cfg.sentry ? { SENTRY_DSN: "{{sentryDsn}}" } : {}),
      ...(cfg.supabase ? { SUPABASE_SERVICE_KEY: "{{supabaseServiceKey}}" } : {}),
      ...Object.fromEntries(cfg.posting.map((name) => [secretEnvVar(name), `{{${name}}}`])),
    },
  };
}

export function orchestratorImage(cfg: Pick<DefinitionConfig, "images" | "builtImages">): ImageSpec {
  return cfg.images.orchestrator
    ? { ref: cfg.images.orchestrator }
    : (cfg.builtImages?.orchestrator ?? localImage("orchestrator"));
}

export function frontendImage(cfg: Pick<DefinitionConfig, "images" | "builtImages">): ImageSpec {
  return cfg.images.frontend
    ? { ref: cfg.images.frontend }
    : (cfg.builtImages?.frontend ?? localImage("frontend"));
}

/** Port of Caddy's internal listener that balances the API replicas for the portal and n8n. */
export const INTERNAL_API_PORT = 5080;
const INTERNAL_API_URL = `http://caddy:${INTERNAL_API_PORT}`;

/** The worker container, also what each extra worker server runs. */
export function workerDefinition(
  cfg: DefinitionConfig,
  serverMemoryMb = cfg.serverMemoryMb,
): ServiceDefinition {
  return {
    ...base("worker", "app", orchestratorImage(cfg), { serverMemoryMb }),
    nodeImage: "orchestrator",
    command: ["node", "dist/worker.js"],
    user: "1000:1000",
    tmpfsMb: 256,
    networks: ["edge", "backend", "observability"],
    ...appEnv(cfg),
    healthcheck: health(wget("http://127.0.0.1:9465/metrics")),
    // A run resumes from its checkpoint after a kill, but letting the current step finish saves redoing it.
    stopGraceSeconds: STOP_GRACE_SECONDS.worker,
    dependsOn: ["redis", "qdrant", ...(cfg.database === "container" ? ["postgres"] : [])],
  };
}

/** Every container on the main server, in start order. */
export function serviceDefinitions(cfg: DefinitionConfig): ServiceDefinition[] {
  const withWorkers = cfg.workers.count > 0;
  const grafanaHost = cfg.hosts.grafana;
  const pgUrl =
    cfg.database === "external"
      ? "{{databaseUrl}}"
      : "postgresql://agency:{{postgresPassword}}@postgres:5432/agency?sslmode=disable";

  const postgres: ServiceDefinition[] =
    cfg.database === "container"
      ? [
          {
            ...base("postgres", "state", { ref: IMAGES.postgres }, cfg),
            user: "postgres",
            tmpfs: ["/tmp", "/var/run/postgresql"],
            networks: ["backend"],
            env: {
              POSTGRES_USER: "agency",
              POSTGRES_DB: "agency",
              PGDATA: "/var/lib/postgresql/data/pgdata",
            },
            secretEnv: { POSTGRES_PASSWORD: "{{postgresPassword}}" },
            volumes: [{ volume: "postgres-data", target: "/var/lib/postgresql/data" }],
            healthcheck: health(["CMD-SHELL", "pg_isready -U agency -d agency || exit 1"]),
          },
        ]
      : [];

  const state: ServiceDefinition[] = [
    {
      ...base("redis", "state", { ref: IMAGES.redis }, cfg),
      user: "redis",
      entrypoint: ["/bin/sh", "-c"],
      command: [
        // The queue must never lose jobs: AOF on, and refuse writes rather than evict when full.
        `exec redis-server --appendonly yes --appendfsync everysec --save 900 1 --maxmemory-policy noeviction --maxmemory ${Math.floor(memoryLimitMb("redis", cfg.serverMemoryMb) * 0.8)}mb --requirepass "$REDIS_PASSWORD"`,
      ],
      networks: ["backend"],
      secretEnv: { REDIS_PASSWORD: "{{redisPassword}}", REDISCLI_AUTH: "{{redisPassword}}" },
      volumes: [{ volume: "redis-data", target: "/data" }],
      healthcheck: health(["CMD-SHELL", "redis-cli ping | grep -q PONG || exit 1"]),
    },
    {
      ...base("qdrant", "state", { ref: IMAGES.qdrant }, cfg),
      user: "1000:1000",
      networks: ["backend"],
      env: { QDRANT__TELEMETRY_DISABLED: "true" },
      // Required of every client: worker servers reach Qdrant over the private network.
      secretEnv: { QDRANT__SERVICE__API_KEY: "{{qdrantApiKey}}" },
      volumes: [
        { volume: "qdrant-storage", target: "/qdrant/storage" },
        { volume: "qdrant-snapshots", target: "/qdrant/snapshots" },
      ],
      // The image has neither curl nor wget; bash can open the port.
      healthcheck: health(["CMD-SHELL", "bash -c ':> /dev/tcp/127.0.0.1/6333' || exit 1"]),
    },
    ...postgres,
  ];

  const orchestrator = orchestratorImage(cfg);
  const frontend = frontendImage(cfg);
  const stateDeps = ["redis", "qdrant", ...(cfg.database === "container" ? ["postgres"] : [])];

  const app: ServiceDefinition[] = [
    {
      ...base("orchestrator", "app", orchestrator, cfg),
      replicas: APP_REPLICAS,
      nodeImage: "orchestrator",
      command: ["node", "dist/server.js"],
      user: "1000:1000",
      tmpfsMb: 256,
      networks: ["edge", "backend", "observability"],
      ...appEnv(cfg),
      env: { ...appEnv(cfg).env, API_PORT: "5001" },
      // Only the API checks the CMS's signatures and Alertmanager's token.
      secretEnv: {
        ...appEnv(cfg).secretEnv,
        CMS_WEBHOOK_SECRET: "{{cmsWebhookSecret}}",
        ALERTMANAGER_TOKEN: "{{alertmanagerToken}}",
      },
      healthcheck: health(wget("http://127.0.0.1:5001/health")),
      stopGraceSeconds: STOP_GRACE_SECONDS.app,
      dependsOn: stateDeps,
    },
    workerDefinition(cfg),
    {
      ...base("frontend", "app", frontend, cfg),
      replicas: APP_REPLICAS,
      nodeImage: "frontend",
      user: "1000:1000",
      networks: ["edge"],
      env: {
        NODE_ENV: "production",
        HOST: "0.0.0.0",
        PORT: "3000",
        // adapter-node checks form posts against ORIGIN.
        ORIGIN: `https://${cfg.hosts.agency}`,
        // Caddy is the one hop in front and sets X-Forwarded-For: the sign-in limit keys on the client.
        ADDRESS_HEADER: "x-forwarded-for",
        XFF_DEPTH: "1",
        // Through Caddy's internal listener, so a request never lands on a replica being replaced.
        AGENCY_API_URL: INTERNAL_API_URL,
      },
      secretEnv: {
        AGENCY_ADMIN_TOKEN: "{{agencyAdminToken}}",
        SECRET_KEY: "{{secretKey}}",
        ...(cfg.rotatingSecretKey ? { SECRET_KEY_PREVIOUS: "{{secretKeyPrevious}}" } : {}),
        AGENCY_OPERATORS: "{{agencyOperators}}",
      },
      healthcheck: health(wget("http://127.0.0.1:3000/")),
      stopGraceSeconds: STOP_GRACE_SECONDS.app,
      dependsOn: ["orchestrator"],
    },
    {
      ...base("n8n", "app", { ref: IMAGES.n8n }, cfg),
      user: "1000:1000",
      // Workflows from services/automation/workflows are imported on every start, so a deploy
      // that changes them (the container is replaced) brings them in; import leaves them inactive,
      // hence the update. n8n starts even when the import fails, so the editor stays reachable.
      entrypoint: ["tini", "--", "/bin/sh", "-c"],
      command: [
        "n8n import:workflow --separate --input=/workflows && n8n update:workflow --all --active=true; exec n8n start",
      ],
      // `edge` reaches the orchestrator, the worker's :9465 and the portal the flows call and check.
      networks: ["edge", "observability"],
      env: {
        N8N_HOST: cfg.hosts.automations,
        N8N_PORT: "5678",
        N8N_PROTOCOL: "https",
        WEBHOOK_URL: `https://${cfg.hosts.automations}/`,
        N8N_PROXY_HOPS: "1",
        N8N_METRICS: "true",
        N8N_DIAGNOSTICS_ENABLED: "false",
        N8N_PERSONALIZATION_ENABLED: "false",
        // The flows read their addresses and secrets from $env; the signature check needs crypto.
        N8N_BLOCK_ENV_ACCESS_IN_NODE: "false",
        NODE_FUNCTION_ALLOW_BUILTIN: "crypto",
        GENERIC_TIMEZONE: "UTC",
        N8N_AGENCY_API_URL: INTERNAL_API_URL,
        N8N_HEALTH_ORCHESTRATOR_URL: "http://orchestrator:5001/health",
        N8N_HEALTH_WORKER_URL: "http://worker:9465/health",
        N8N_HEALTH_PORTAL_URL: "http://frontend:3000/",
        N8N_HEALTH_N8N_URL: "http://127.0.0.1:5678/healthz",
        // N8N_WARMUP_WAIT_*_SECONDS stay unset: the flow's production delays (2 and 3 days) apply.
      },
      secretEnv: {
        N8N_ENCRYPTION_KEY: "{{n8nEncryptionKey}}",
        // The orchestrator signs lead_ready with this secret of n8n's own (AUTOMATION_WEBHOOK_SECRET).
        N8N_AGENCY_WEBHOOK_SECRET: "{{automationWebhookSecret}}",
        // The monitoring flow's alerts go to the orchestrator with Alertmanager's token.
        N8N_ALERT_WEBHOOK_TOKEN: "{{alertmanagerToken}}",
        N8N_AGENCY_ADMIN_TOKEN: "{{agencyAdminToken}}",
        N8N_CMS_WEBHOOK_SECRET: "{{cmsWebhookSecret}}",
      },
      volumes: [{ volume: "n8n-data", target: "/home/node/.n8n" }],
      files: [{ source: "services/automation/workflows", target: "/workflows" }],
      healthcheck: health(wget("http://127.0.0.1:5678/healthz"), "60s"),
    },
  ];

  const observability: ServiceDefinition[] = [
    {
      ...base("prometheus", "observability", { ref: IMAGES.prometheus }, cfg),
      user: "65534:65534",
      command: [
        "--config.file=/etc/prometheus/prometheus.yml",
        "--storage.tsdb.path=/prometheus",
        "--storage.tsdb.retention.time=15d",
      ],
      networks: ["observability"],
      volumes: [{ volume: "prometheus-data", target: "/prometheus" }],
      files: monitoringFiles("prometheus"),
      generated: [GENERATED.httpsProbeTargets],
      healthcheck: health(wget("http://127.0.0.1:9090/-/healthy")),
    },
    {
      ...base("alertmanager", "observability", { ref: IMAGES.alertmanager }, cfg),
      user: "65534:65534",
      command: ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"],
      networks: ["observability"],
      volumes: [{ volume: "alertmanager-data", target: "/alertmanager" }],
      files: monitoringFiles("alertmanager"),
      generated: [GENERATED.alertRecipients],
      secretFiles: [
        { secret: "resendApiKey", target: alertmanagerSecrets.resendApiKey },
        // The orchestrator accepts the alert webhook with this token (ALERTMANAGER_TOKEN), not the admin's.
        { secret: "alertmanagerToken", target: alertmanagerSecrets.webhookToken },
      ],
      fileOwner: "65534",
      healthcheck: health(wget("http://127.0.0.1:9093/-/healthy")),
    },
    ...(cfg.grafana
      ? [
          {
            ...base("grafana", "observability", { ref: IMAGES.grafana }, cfg),
            user: "472:0",
            networks: ["edge", "observability"] as NetworkName[],
            env: {
              GF_SERVER_ROOT_URL: `https://${grafanaHost}`,
              GF_SECURITY_ADMIN_USER: "admin",
              GF_USERS_ALLOW_SIGN_UP: "false",
              GF_ANALYTICS_REPORTING_ENABLED: "false",
              GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
              GF_PATHS_PROVISIONING: "/etc/grafana/provisioning",
            },
            secretEnv: { GF_SECURITY_ADMIN_PASSWORD: "{{grafanaAdminPassword}}" },
            volumes: [{ volume: "grafana-data", target: "/var/lib/grafana" }],
            files: monitoringFiles("grafana"),
            healthcheck: health(wget("http://127.0.0.1:3000/api/health")),
            dependsOn: ["prometheus"],
          },
        ]
      : []),
    {
      ...base("node-exporter", "observability", { ref: IMAGES.nodeExporter }, cfg),
      user: "65534:65534",
      // Only /proc and /sys: mounting the host's / would also expose the Docker socket.
      command: ["--path.procfs=/host/proc", "--path.sysfs=/host/sys"],
      networks: ["observability"],
      hostMounts: [
        { source: "/proc", target: "/host/proc" },
        { source: "/sys", target: "/host/sys" },
      ],
      healthcheck: health(wget("http://127.0.0.1:9100/metrics")),
    },
    {
      ...base("redis-exporter", "observability", { ref: IMAGES.redisExporter }, cfg),
      user: "59000:59000",
      networks: ["backend", "observability"],
      env: { REDIS_ADDR: "redis://redis:6379" },
      secretEnv: { REDIS_PASSWORD: "{{redisPassword}}" },
      healthcheck: health(wget("http://127.0.0.1:9121/metrics")),
      dependsOn: ["redis"],
    },
    {
      ...base("postgres-exporter", "observability", { ref: IMAGES.postgresExporter }, cfg),
      user: "65534:65534",
      // An external database is reached over the internet, which the observability network allows.
      networks: cfg.database === "container" ? ["backend", "observability"] : ["observability"],
      secretEnv: { DATA_SOURCE_NAME: pgUrl },
      healthcheck: health(wget("http://127.0.0.1:9187/metrics")),
      dependsOn: cfg.database === "container" ? ["postgres"] : [],
    },
    {
      ...base("blackbox-exporter", "observability", { ref: IMAGES.blackboxExporter }, cfg),
      user: "65534:65534",
      command: ["--config.file=/etc/blackbox_exporter/config.yml"],
      networks: ["observability"],
      files: monitoringFiles("blackbox-exporter"),
      healthcheck: health(wget("http://127.0.0.1:9115/-/healthy")),
    },
  ];

  // Docker cannot publish a port from an internal network, so worker servers reach the queue and
  // the vectors through this relay, bound to the private network address only; the stateful
  // containers themselves stay on `backend`.
  const gateway: ServiceDefinition[] = withWorkers
    ? [
        {
          ...base("private-gateway", "edge", { ref: IMAGES.socat }, cfg),
          user: "65534:65534",
          entrypoint: ["/bin/sh", "-c"],
          // TLS on the private network (privateLink.ts); in the clear only inside this server.
          command: [gatewayCommand({ redis: "redis:6379", qdrant: "qdrant:6333" })],
          networks: ["edge", "backend"],
          ports: [
            { host: GATEWAY_PORTS.redis, container: GATEWAY_PORTS.redis, ip: MAIN_PRIVATE_IP },
            { host: GATEWAY_PORTS.qdrant, container: GATEWAY_PORTS.qdrant, ip: MAIN_PRIVATE_IP },
          ],
          secretFiles: [
            { secret: "privateTlsCert", target: PRIVATE_TLS_FILES.cert },
            { secret: "privateTlsKey", target: PRIVATE_TLS_FILES.key },
          ],
          fileOwner: "65534",
          healthcheck: health(["CMD-SHELL", "nc -z 127.0.0.1 6379 && nc -z 127.0.0.1 6333 || exit 1"]),
          dependsOn: ["redis", "qdrant"],
        },
      ]
    : [];

  const caddy: ServiceDefinition = {
    ...base("caddy", "edge", { ref: IMAGES.caddy }, cfg),
    rootReason:
      "its certificate volume is created root-owned; all capabilities but NET_BIND_SERVICE are dropped",
    capAdd: ["NET_BIND_SERVICE"],
    networks: ["edge", "observability"],
    ports: [
      { host: 80, container: 80 },
      { host: 443, container: 443 },
      { host: 443, container: 443, protocol: "udp" },
    ],
    env: {
      AGENCY_HOST: cfg.hosts.agency,
      API_HOST: cfg.hosts.api,
      AUTOMATIONS_HOST: cfg.hosts.automations,
      // With Grafana off its site answers only on a .localhost name no certificate is asked for.
      GRAFANA_HOST: grafanaHost ?? "grafana.localhost",
      ACME_EMAIL: cfg.acmeEmail,
      BASIC_AUTH_USER: cfg.basicAuthUser,
      OBSERVABILITY_SUBNET: NETWORKS.find((n) => n.name === "observability")!.subnet,
      // The replicas Caddy balances over (the Caddyfile names two of each).
      ...upstreamEnv("API_UPSTREAM", "orchestrator", 5001),
      ...upstreamEnv("PORTAL_UPSTREAM", "frontend", 3000),
    },
    secretEnv: {
      AUTOMATIONS_PASSWORD_HASH: "{{automationsPasswordHash}}",
      GRAFANA_PASSWORD_HASH: cfg.grafana ? "{{grafanaPasswordHash}}" : "{{automationsPasswordHash}}",
    },
    volumes: [
      { volume: "caddy-data", target: "/data" },
      { volume: "caddy-config", target: "/config" },
    ],
    files: [{ source: "Caddyfile", target: "/etc/caddy/Caddyfile" }],
    healthcheck: health(wget("http://127.0.0.1:2019/metrics")),
    dependsOn: ["frontend", "orchestrator", "n8n", ...(cfg.grafana ? ["grafana"] : [])],
  };

  return expandReplicas([...state, ...app, ...observability, ...gateway, caddy]);
}

/** API_UPSTREAM_1=orchestrator-1:5001, … for each replica of `service`. */
function upstreamEnv(prefix: string, service: string, port: number): Record<string, string> {
  return Object.fromEntries(
    instanceNames({ name: service, replicas: APP_REPLICAS }).map((n, i) => [
      `${prefix}_${i + 1}`,
      `${n}:${port}`,
    ]),
  );
}
