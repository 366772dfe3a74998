/**
 * The shape of a container as the stack describes it, and what every definition shares: the
 * networks, the pinned images, replicas, memory shares, {{secret}} templates, labels and the
 * inventory a reviewer reads. The definitions themselves are in containers.ts.
 */
import { PROJECT, type SecretName } from "./configSchema.ts";

/**
 * Secrets the stack makes itself (components/privateTls.ts) rather than reads from config: the
 * private CA's certificate and the private gateway's certificate and key.
 */
export type GeneratedSecret = "privateTlsCa" | "privateTlsCert" | "privateTlsKey";

export type NetworkName = "edge" | "backend" | "observability";

export interface NetworkDefinition {
  name: NetworkName;
  /** No route out: containers only on this network cannot reach the internet. */
  internal: boolean;
  subnet: string;
  /**
   * Set, not left to Docker: the provider reads back the gateway Docker picked, and a gateway in
   * state but not in the inputs replaces the network (and every container on it) on the next up.
   */
  gateway: string;
}

/** Fixed subnets, so the Caddyfile can allow metrics from the observability network only. */
export const NETWORKS: NetworkDefinition[] = [
  { name: "edge", internal: false, subnet: "172.28.1.0/24", gateway: "172.28.1.1" },
  { name: "backend", internal: true, subnet: "172.28.2.0/24", gateway: "172.28.2.1" },
  { name: "observability", internal: false, subnet: "172.28.3.0/24", gateway: "172.28.3.1" },
];

/** Address of the main server on the Hetzner private network that worker servers use. */
export const MAIN_PRIVATE_IP = "10.70.0.2";
export const PRIVATE_NETWORK_RANGE = "10.70.0.0/16";

/** Where the program delivers repo files on the server; bind mounts are relative to it. */
export const REMOTE_ROOT = "/opt/agency";

export type Role = "edge" | "app" | "state" | "observability";

export interface ImageSpec {
  /** The reference containers run: a digest-pinned ref, or the local tag of an image built on the server. */
  ref: string;
  /** Present when the image is built from this repository. */
  build?: { context: string; dockerfile: string };
}

export interface ServiceDefinition {
  /** The container's own name (agency-<name>), e.g. orchestrator-1 for a replica. */
  name: string;
  /**
   * The service it is an instance of: a network alias and the agency.service label every replica
   * shares, so `http://orchestrator:5001` and Prometheus' service label stay as they were.
   */
  service: string;
  /** Instances of the service; each replica is replaced only once the one before it is healthy. Defaults to 1. */
  replicas?: number;
  role: Role;
  image: ImageSpec;
  entrypoint?: string[];
  command?: string[];
  /** Undefined keeps the image's user; `rootReason` says why that is root. */
  user?: string;
  rootReason?: string;
  readOnly: boolean;
  tmpfs: string[];
  /** Size of each tmpfs mount in MB (it counts against the memory limit). */
  tmpfsMb: number;
  networks: NetworkName[];
  ports: { host: number; container: number; protocol?: "tcp" | "udp"; ip?: string }[];
  env: Record<string, string>;
  /** Values with {{secretName}} placeholders, filled from Pulumi secrets or compose's .env. */
  secretEnv: Record<string, string>;
  /** Secrets written to files the container reads (mode 0400, owned by `fileOwner`). */
  secretFiles: { secret: SecretName | GeneratedSecret; target: string }[];
  fileOwner?: string;
  volumes: { volume: string; target: string }[];
  /** Repo paths (files or folders) mounted read-only. */
  files: { source: string; target: string }[];
  /** Files the stack renders from its config (relative to the generated folder), mounted read-only. */
  generated: { source: string; target: string }[];
  /** Host paths mounted read-only (node-exporter only). */
  hostMounts: { source: string; target: string }[];
  healthcheck: { test: string[]; interval: string; timeout: string; retries: number; startPeriod: string };
  memoryMb: number;
  /**
   * Set on the Node.js containers of the images built here: once the memory limit is final
   * (replicas split it), their env gets nodeMemoryEnv for it. Undefined leaves the env alone.
   */
  nodeImage?: BuiltImage;
  /**
   * Seconds between SIGTERM and SIGKILL when the container stops; undefined keeps Docker's 10.
   * Longer than the app's own 30 s drain, so a deploy never cuts a request or a step short.
   */
  stopGraceSeconds?: number;
  capAdd: string[];
  dependsOn: string[];
}

export const IMAGES = {
  caddy: "caddy:2.10.2-alpine",
  redis: "redis:7.4.5-alpine",
  qdrant: "qdrant/qdrant:v1.15.1-unprivileged",
  postgres: "postgres:17.6-alpine",
  n8n: "n8nio/n8n:1.123.81",
  prometheus: "prom/prometheus:v3.5.0",
  grafana: "grafana/grafana:12.1.1",
  alertmanager: "prom/alertmanager:v0.28.1",
  nodeExporter: "prom/node-exporter:v1.9.1",
  redisExporter: "oliver006/redis_exporter:v1.74.0-alpine",
  postgresExporter: "prometheuscommunity/postgres-exporter:v0.17.1",
  blackboxExporter: "prom/blackbox-exporter:v0.27.0",
  socat: "alpine/socat:1.8.0.3",
} as const;

/** Repositories of the images built from this repository; the tag is the image's build hash. */
export const LOCAL_IMAGES = {
  orchestrator: "agency/orchestrator",
  frontend: "agency/frontend",
} as const;

export type BuiltImage = keyof typeof LOCAL_IMAGES;

export const DOCKERFILES: Record<BuiltImage, string> = {
  orchestrator: "services/orchestrator/Dockerfile",
  frontend: "services/frontend/Dockerfile",
};

/**
 * An image built from this repository, tagged by release (its build hash). `build` false names a
 * release that is already on the server (a roll back): it is run as it is, not built again.
 */
export function localImage(kind: BuiltImage, tag = "local", build = true): ImageSpec {
  const ref = `${LOCAL_IMAGES[kind]}:${tag}`;
  return build ? { ref, build: { context: ".", dockerfile: DOCKERFILES[kind] } } : { ref };
}

/**
 * How the Node.js processes of each image built here hold memory, set by its Dockerfile's ENV (a
 * test compares the two), so the image run on its own behaves as the stack runs it:
 * - V8's young generation is two semi-spaces of 2 MiB. Its default, 16 MiB each, is sized for
 *   throughput on a large machine: a server allocating per request fills both and keeps them,
 *   32 MiB resident per process for garbage that dies young anyway.
 * - glibc's malloc keeps at most two arenas: by default it adds one per thread that meets
 *   contention (up to eight per core), each keeping the memory freed in it. The portal's image is
 *   Alpine, whose musl malloc has no arenas.
 */
export const IMAGE_MEMORY_ENV: Record<BuiltImage, { NODE_OPTIONS: string; MALLOC_ARENA_MAX?: string }> = {
  orchestrator: { MALLOC_ARENA_MAX: "2", NODE_OPTIONS: "--max-semi-space-size=2" },
  frontend: { NODE_OPTIONS: "--max-semi-space-size=2" },
};

/**
 * Share of a container's memory limit V8's old generation may take in each of its isolates. The
 * rest is the young generation, code and native memory, and (in the worker) the esbuild service
 * and ffmpeg. With its limit known, V8 collects before the container's limit is reached instead
 * of growing the heap by up to four times the live data between collections (its factor on a
 * large machine, which is what it sees without this flag).
 */
export const OLD_SPACE_SHARE = 0.6;

/** The env that sizes a Node.js container's heap to its memory limit: the image's ENV plus the old space. */
export function nodeMemoryEnv(image: BuiltImage, memoryMb: number): Record<string, string> {
  const own = IMAGE_MEMORY_ENV[image];
  const oldSpaceMb = Math.floor(memoryMb * OLD_SPACE_SHARE);
  return { ...own, NODE_OPTIONS: `${own.NODE_OPTIONS} --max-old-space-size=${oldSpaceMb}` };
}

/** The definition with nodeMemoryEnv for its memory limit in its env, when it is a Node.js container of ours. */
export function withNodeMemory(def: ServiceDefinition): ServiceDefinition {
  if (!def.nodeImage) return def;
  return { ...def, env: { ...def.env, ...nodeMemoryEnv(def.nodeImage, def.memoryMb) } };
}

/** Stop grace of the app containers: above the app's 30 s drain; the worker lets a step finish. */
export const STOP_GRACE_SECONDS = { app: 40, worker: 120 } as const;

/** Replicas of the API and the portal: Caddy balances over them, a deploy replaces one at a time. */
export const APP_REPLICAS = 2;

/** The container names a service runs as: the name itself, or name-1 … name-N for replicas. */
export function instanceNames(def: Pick<ServiceDefinition, "name" | "replicas">): string[] {
  const n = def.replicas ?? 1;
  return n > 1 ? Array.from({ length: n }, (_, i) => `${def.name}-${i + 1}`) : [def.name];
}

/**
 * One definition per container: replicas become name-1 … name-N, each with its share of the
 * memory (and a Node.js heap sized to it), each depending on the one before it (so Pulumi replaces
 * the second only after the first is up and healthy), and a dependency on the service becomes one
 * on all of its instances.
 */
export function expandReplicas(defs: ServiceDefinition[]): ServiceDefinition[] {
  const names = new Map(defs.map((d) => [d.name, instanceNames(d)]));
  return defs.flatMap((d) => {
    const own = names.get(d.name)!;
    const deps = d.dependsOn.flatMap((x) => names.get(x) ?? [x]);
    if (own.length === 1) return [withNodeMemory({ ...d, dependsOn: deps })];
    return own.map((name, i) =>
      withNodeMemory({
        ...d,
        name,
        replicas: 1,
        memoryMb: Math.floor(d.memoryMb / own.length),
        dependsOn: [...deps, ...(i > 0 ? [own[i - 1]!] : [])],
      }),
    );
  });
}

/**
 * `30s`, `1m`, `90s` as Go's time.Duration prints them (`30s`, `1m0s`, `1m30s`): the docker
 * provider reads durations back in that spelling, and any other one shows as a change on every up.
 */
export function goDuration(value: string): string {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(value);
  if (!m || value === "") throw new Error(`not a duration in h/m/s: "${value}"`);
  const total = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  const h = Math.floor(total / 3600);
  const min = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  if (h) return `${h}h${min}m${sec}s`;
  if (min) return `${min}m${sec}s`;
  return `${sec}s`;
}

/** Memory kept for the kernel, Docker and sshd before limits are handed out. */
export const OS_RESERVE_MB = 640;

/** Percent of the remaining memory each service may use; the shares add up to at most 100. */
const MEMORY_SHARE: Record<string, number> = {
  caddy: 3,
  // Split between the two replicas of each.
  frontend: 8,
  orchestrator: 13,
  worker: 15,
  redis: 7,
  qdrant: 10,
  postgres: 14,
  n8n: 12,
  prometheus: 7,
  grafana: 4,
  alertmanager: 1.5,
  "node-exporter": 1,
  "redis-exporter": 1,
  "postgres-exporter": 1,
  "blackbox-exporter": 1,
  "private-gateway": 0.5,
};
const MIN_MEMORY_MB = 32;

export function memoryLimitMb(service: string, serverMemoryMb: number): number {
  const share = MEMORY_SHARE[service];
  if (share === undefined) throw new Error(`no memory share for service ${service}`);
  return Math.max(MIN_MEMORY_MB, Math.floor(((serverMemoryMb - OS_RESERVE_MB) * share) / 100));
}

/** Throws when the limits of `services` do not fit a server of `serverMemoryMb`. */
export function checkMemoryBudget(
  services: Pick<ServiceDefinition, "name" | "memoryMb">[],
  serverMemoryMb: number,
): void {
  const total = services.reduce((sum, s) => sum + s.memoryMb, 0);
  if (total > serverMemoryMb - OS_RESERVE_MB) {
    throw new Error(
      `the containers' memory limits add up to ${total} MB, more than the ${serverMemoryMb - OS_RESERVE_MB} MB a ${serverMemoryMb} MB server has for them; choose a larger server type`,
    );
  }
}

const SECRET_REF = /\{\{(\w+)\}\}/g;

/** The secrets a value template refers to. */
export function secretRefs(template: string): SecretName[] {
  return [...template.matchAll(SECRET_REF)].map((m) => m[1] as SecretName);
}

/** Fills a template's {{secret}} placeholders. */
export function fillSecrets(template: string, value: (name: SecretName) => string): string {
  return template.replace(SECRET_REF, (_, name: string) => value(name as SecretName));
}

/** openaiApiKey → OPENAI_API_KEY: the variable compose reads a secret from. */
export function secretEnvVar(name: SecretName | GeneratedSecret): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}

/** Named volumes the definitions use, each holding state the nightly backup saves. */
export function volumeNames(services: ServiceDefinition[]): string[] {
  return [...new Set(services.flatMap((s) => s.volumes.map((v) => v.volume)))];
}

/** Labels every container carries, so scripts and Prometheus select by them. */
export function containerLabels(
  def: Pick<ServiceDefinition, "name" | "service" | "role">,
  stack: string,
): Record<string, string> {
  return {
    "agency.service": def.service,
    ...(def.service !== def.name ? { "agency.instance": def.name } : {}),
    "agency.role": def.role,
    "agency.stack": stack,
  };
}

/** The summary a reviewer reads: which container joins which network and publishes what. */
export function containerInventory(
  services: ServiceDefinition[],
  buildHashes: Record<string, string> = {},
  /** Services' container name prefix: the main stack's component is named after the project. */
  prefix = `${PROJECT}-`,
) {
  return services.map((s) => ({
    name: s.name,
    container: `${prefix}${s.name}`,
    image: s.image.ref,
    // For an image built from the repository: the hash of its build context, so a reviewer sees what rebuilds.
    ...(s.image.build ? { build_hash: buildHashes[s.image.build.dockerfile] ?? null } : {}),
    networks: s.networks,
    ports: s.ports.map((p) => `${p.ip ? `${p.ip}:` : ""}${p.host}->${p.container}/${p.protocol ?? "tcp"}`),
    memoryMb: s.memoryMb,
    user: s.user ?? `image default (${s.rootReason ?? "root"})`,
    readOnly: s.readOnly,
  }));
}
