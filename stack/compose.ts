/**
 * docker-compose.yml from the same service definitions the Pulumi program deploys. Host names and
 * secrets become compose variables (`${DOMAIN}`, `${OPENAI_API_KEY}`) read from `.env`.
 */
import { stringify } from "yaml";
import { OPTIONAL_SECRETS, POSTING_SECRETS, PROJECT, type SecretName } from "./config.ts";
import {
  NETWORKS,
  containerLabels,
  fillSecrets,
  secretEnvVar,
  serviceDefinitions,
  volumeNames,
  type DefinitionConfig,
  type ServiceDefinition,
} from "./containers.ts";

/**
 * The configuration compose runs with: one 4 GB host, the container database, Grafana on, and
 * SENTRY_DSN, SECRET_KEY_PREVIOUS and the posting credentials passed through (empty when .env
 * leaves them out, which the app reads as off).
 */
export function composeConfig(): DefinitionConfig {
  return {
    stack: "compose",
    hosts: {
      agency: "agency.${DOMAIN}",
      api: "api.${DOMAIN}",
      automations: "automations.${DOMAIN}",
      grafana: "grafana.${DOMAIN}",
    },
    grafana: true,
    database: "container",
    logLevel: "${LOG_LEVEL:-info}",
    s3: { endpoint: "${S3_ENDPOINT}", bucket: "${S3_BUCKET}", region: "${S3_REGION:-eu-central}" },
    mailFrom: "${MAIL_FROM:-agency@${DOMAIN}}",
    calendarUrl: "${CALENDAR_URL:-}",
    acmeEmail: "${ACME_EMAIL}",
    basicAuthUser: "${BASIC_AUTH_USER:-admin}",
    serverMemoryMb: 4096,
    images: {},
    workers: { count: 0, serverType: "cx23" },
    sentry: true,
    rotatingSecretKey: true,
    posting: [...POSTING_SECRETS],
  };
}

export const COMPOSE_HEADER = `# Generated from stack/containers.ts by \`npm run stack:render -- --write-compose\`: do not edit.
# The same containers as the Pulumi stack, for one Docker host without Pulumi:
#   write .env with DOMAIN, ACME_EMAIL, S3_* and the secrets (docs/stack.md, "Without Pulumi")
#   npm run stack:render -- --stack prod --out render   # probe targets and alert recipients
#   docker compose up -d
`;

/** `$` in commands must reach the container, not compose's interpolation. */
const escape = (s: string) => s.replaceAll("$", "$$");

function composeSecretName(target: string): string {
  return target
    .split("/")
    .pop()!
    .replace(/[^a-z0-9_]/gi, "_");
}

export function composeService(s: ServiceDefinition, stack: string): Record<string, unknown> {
  const env: Record<string, string> = { ...s.env };
  for (const [key, template] of Object.entries(s.secretEnv)) {
    env[key] = fillSecrets(template, (name: SecretName) =>
      OPTIONAL_SECRETS.includes(name)
        ? `\${${secretEnvVar(name)}:-}`
        : `\${${secretEnvVar(name)}:?set ${secretEnvVar(name)} in .env}`,
    );
  }
  const out: Record<string, unknown> = {};
  if (s.image.build) out.build = { context: s.image.build.context, dockerfile: s.image.build.dockerfile };
  out.image = s.image.ref;
  out.container_name = `${PROJECT}-${s.name}`;
  if (s.entrypoint) out.entrypoint = s.entrypoint.map(escape);
  if (s.command) out.command = s.command.map(escape);
  if (s.user) out.user = s.user;
  out.read_only = s.readOnly;
  if (s.tmpfs.length) out.tmpfs = s.tmpfs.map((t) => `${t}:size=${s.tmpfsMb}m`);
  // Replicas also answer to the service's name, as they do under Pulumi.
  out.networks =
    s.service !== s.name
      ? Object.fromEntries(s.networks.map((n) => [n, { aliases: [s.service] }]))
      : [...s.networks];
  if (s.ports.length) {
    out.ports = s.ports.map(
      (p) => `${p.ip ? `${p.ip}:` : ""}${p.host}:${p.container}${p.protocol === "udp" ? "/udp" : ""}`,
    );
  }
  if (Object.keys(env).length) out.environment = env;
  if (s.secretFiles.length) {
    out.secrets = s.secretFiles.map((f) => ({
      source: composeSecretName(f.target),
      target: f.target,
      ...(s.fileOwner ? { uid: s.fileOwner } : {}),
      mode: 0o400,
    }));
  }
  const volumes = [
    ...s.volumes.map((v) => `${v.volume}:${v.target}`),
    ...s.files.map((f) => `./${f.source}:${f.target}:ro`),
    ...s.generated.map((f) => `\${AGENCY_GENERATED:-./render}/${f.source}:${f.target}:ro`),
    ...s.hostMounts.map((m) => `${m.source}:${m.target}:ro`),
  ];
  if (volumes.length) out.volumes = volumes;
  out.healthcheck = {
    test: s.healthcheck.test.map(escape),
    interval: s.healthcheck.interval,
    timeout: s.healthcheck.timeout,
    retries: s.healthcheck.retries,
    start_period: s.healthcheck.startPeriod,
  };
  out.mem_limit = `${s.memoryMb}m`;
  if (s.stopGraceSeconds !== undefined) out.stop_grace_period = `${s.stopGraceSeconds}s`;
  out.restart = "unless-stopped";
  out.cap_drop = ["ALL"];
  if (s.capAdd.length) out.cap_add = s.capAdd;
  out.security_opt = ["no-new-privileges:true"];
  out.labels = containerLabels(s, stack);
  if (s.dependsOn.length) out.depends_on = s.dependsOn;
  return out;
}

export function renderCompose(
  services: ServiceDefinition[] = serviceDefinitions(composeConfig()),
  stack = "compose",
): string {
  const secrets: Record<string, { environment: string }> = {};
  for (const s of services) {
    for (const f of s.secretFiles)
      secrets[composeSecretName(f.target)] = { environment: secretEnvVar(f.secret) };
  }
  const doc = {
    name: "agency",
    services: Object.fromEntries(services.map((s) => [s.name, composeService(s, stack)])),
    networks: Object.fromEntries(
      NETWORKS.map((n) => [
        n.name,
        { internal: n.internal, ipam: { config: [{ subnet: n.subnet, gateway: n.gateway }] } },
      ]),
    ),
    volumes: Object.fromEntries(
      volumeNames(services).map((v) => [v, { labels: { "agency.backup": "true" } }]),
    ),
    secrets,
  };
  return COMPOSE_HEADER + stringify(doc, { lineWidth: 0 });
}
