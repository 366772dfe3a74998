/**
 * The whole agency: validated config → host → DNS → Docker platform → containers → backups →
 * optional worker servers. index.ts runs it under Pulumi; tests run it under Pulumi mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  PROJECT,
  SERVER_MEMORY_MB,
  loadConfig,
  loadSecrets,
  networkZone,
  type AgencyConfig,
} from "./config.ts";
import { renderDeliveryScript, mountedFiles, type DeliveredFile } from "./delivery.ts";
import { generatedFiles } from "./generated.ts";
import {
  buildHashes,
  buildHashesByDockerfile,
  formatRelease,
  releaseImages,
  untrackedInContext,
  type Release,
} from "./images.ts";
import {
  REMOTE_ROOT,
  checkMemoryBudget,
  containerInventory,
  serviceDefinitions,
  volumeNames,
  type ServiceDefinition,
} from "./containers.ts";
import { Backups } from "./components/backups.ts";
import { Dns } from "./components/dns.ts";
import { Host } from "./components/host.ts";
import { Platform } from "./components/platform.ts";
import { Services, secretFiles, type Secrets } from "./components/services.ts";
import { UptimeChecks } from "./components/uptime.ts";
import { Workers } from "./components/workers.ts";

/** Image (orchestrator, frontend) → hash of exactly its build context; a release is named by them. */
export function imageSourceHashes(root?: string): Release {
  return buildHashes(root);
}

/** Everything deployed that is decided by config alone: definitions and files. */
export interface Plan {
  config: AgencyConfig;
  services: ServiceDefinition[];
  files: DeliveredFile[];
  dirs: string[];
  /** The checkout's build hashes. */
  hashes: Release;
  /** The release that runs: agency:release, or the checkout's. */
  release: Release;
}

/** Decides what to deploy; throws on a missing mounted file or limits that do not fit. */
export function plan(config: AgencyConfig, root?: string): Plan {
  const hashes = buildHashes(root);
  const release = config.release ?? hashes;
  const services = serviceDefinitions({ ...config, builtImages: releaseImages(hashes, release) });
  checkMemoryBudget(services, config.serverMemoryMb);
  const repo = mountedFiles(services, root);
  const generated = Object.entries(generatedFiles(config)).map(([rel, content]) => ({
    path: `${REMOTE_ROOT}/generated/${rel}`,
    content,
    mode: "0644",
  }));
  return { config, services, files: [...repo.files, ...generated], dirs: repo.dirs, hashes, release };
}

export interface AgencyOutputs {
  urls: Record<string, string>;
  serverIp: pulumi.Output<string>;
  ssh: pulumi.Output<string>;
  basicAuth: { user: string; sites: string[]; passwords: string };
  dnsRecords: pulumi.Output<string[]>;
  workerIps: pulumi.Output<string[]>;
  containers: ReturnType<typeof containerInventory>;
  /** The release running (agency:release to go back to it). */
  release: string;
  deleteProtection: boolean;
}

/** `root` is where the mounted repository files are read from (tests may pass a fixture). */
export function defineAgency(config: AgencyConfig = loadConfig(), root?: string): AgencyOutputs {
  const p = plan(config, root);
  const secrets = loadSecrets(config);
  const sshPrivateKey = new pulumi.Config(PROJECT).getSecret("sshPrivateKey");
  const labels = {
    "agency-stack": config.stack,
    ...(config.preview ? { "agency-preview": config.preview } : {}),
  };

  // Components are named after the project, so the children keep the names a live stack has
  // (agency-server, agency-caddy, agency-edge): a new name would replace them.
  const name = PROJECT;
  const host = new Host(name, {
    serverType: config.serverType,
    plannedMemoryMb: config.serverMemoryMb,
    location: config.location,
    sshPublicKeys: config.sshPublicKeys,
    sshSourceRanges: config.sshSourceRanges,
    protect: config.protect,
    sshPrivateKey,
    labels,
  });

  const dns = new Dns(name, {
    hosts: config.hosts,
    ipv4: host.ipv4,
    zoneId: config.dns.provider === "cloudflare" ? config.dns.zoneId : undefined,
    proxied: config.dns.provider === "cloudflare" ? config.dns.proxied : false,
  });

  for (const file of untrackedInContext(root)) {
    pulumi.log.warn(
      `${file} is not tracked by git but would be sent to the image build (and is not in the build hash): git add it, delete it, or list it in .dockerignore`,
    );
  }

  let workerIps: pulumi.Output<string[]> = pulumi.output([]);
  const extraDeps: Record<string, pulumi.Resource[]> = {};
  const mainSecrets: Secrets = { ...secrets };
  if (config.workers.count > 0) {
    const workers = new Workers(`${name}-worker`, {
      count: config.workers.count,
      serverType: config.workers.serverType,
      serverMemoryMb: SERVER_MEMORY_MB[config.workers.serverType],
      location: config.location,
      networkZone: networkZone(config.location),
      mainServerId: host.server.id.apply(Number),
      host: {
        sshKeyIds: host.sshKeyIds,
        sshPublicKeys: config.sshPublicKeys,
        sshSourceRanges: config.sshSourceRanges,
        protect: config.protect,
        labels,
        sshPrivateKey,
      },
      definitionConfig: { ...config, builtImages: releaseImages(p.hashes, p.release) },
      secrets,
      stack: config.stack,
      // agency-worker on every worker server, as on the main one (docs/runbook.md).
      containerNamePrefix: `${name}-`,
    });
    workerIps = pulumi.all(workers.ips);
    // The gateway binds the private address, which exists only once the server is attached.
    extraDeps["private-gateway"] = [workers.mainAttachment];
    // The gateway's certificate and key, made by the stack (components/privateTls.ts).
    Object.assign(mainSecrets, workers.tls.secrets);
  }

  const connection = host.connection;
  const platform = new Platform(name, {
    dockerHost: host.dockerHost,
    hostReadiness: host.readiness,
    hostPublicKey: host.hostPublicKey,
    connection,
    // Created before names were prefixed; renaming would replace every container and start the
    // volumes empty, so the main server's networks and volumes keep their plain names.
    dockerNamePrefix: "",
    stack: config.stack,
    volumes: volumeNames(p.services),
    images: p.services.map((s) => s.image),
    files: p.files,
    dirs: p.dirs,
    secretFiles: secretFiles(p.services, mainSecrets),
    protect: config.protect,
  });

  const services = new Services(name, {
    definitions: p.services,
    platform,
    secrets: mainSecrets,
    stack: config.stack,
    files: p.files,
    dependsOn: extraDeps,
  });
  platform.pruneImages(Object.values(services.containers));

  new Backups(name, {
    config,
    connection,
    secrets,
    containers: {
      redis: services.containers.redis!.name,
      postgres: services.containers.postgres?.name,
    },
    after: [...host.readiness, ...platform.filesReady],
  });

  // External checks alert the ops email, as Alertmanager does (generated.ts).
  if (config.uptime && secrets.uptimeRobotApiKey) {
    new UptimeChecks(
      name,
      {
        stack: config.stack,
        hosts: config.hosts,
        alertEmail: config.acmeEmail,
        apiKey: secrets.uptimeRobotApiKey,
      },
      { dependsOn: [services, ...Object.values(dns.cloudflareRecords)] },
    );
  }

  const urls = Object.fromEntries(Object.entries(config.hosts).map(([k, h]) => [k, `https://${h}`]));
  return {
    urls,
    serverIp: host.ipv4,
    ssh: pulumi.interpolate`ssh root@${host.ipv4}`,
    basicAuth: {
      user: config.basicAuthUser,
      sites: [urls.automations!, ...(urls.grafana ? [urls.grafana] : [])],
      passwords:
        "the passwords you hashed into agency:automationsPasswordHash and agency:grafanaPasswordHash (docs/stack.md, Basic auth); Grafana's own admin password is agency:grafanaAdminPassword",
    },
    dnsRecords: dns.records,
    workerIps,
    containers: containerInventory(p.services, buildHashesByDockerfile(p.hashes), `${name}-`),
    release: formatRelease(p.release),
    deleteProtection: config.protect,
  };
}

/** The script that would deliver the plan's files, for the render. */
export function deliveryScript(p: Plan): string {
  return renderDeliveryScript(p.files, { dirs: p.dirs });
}
