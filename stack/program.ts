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
import { renderDeliveryScript, repoFiles, sourceHash, type DeliveredFile } from "./delivery.ts";
import { generatedFiles } from "./generated.ts";
import {
  LOCAL_IMAGES,
  REMOTE_ROOT,
  checkMemoryBudget,
  containerInventory,
  serviceDefinitions,
  volumeNames,
  type ServiceDefinition,
} from "./services.ts";
import { Backups } from "./components/backups.ts";
import { Dns } from "./components/dns.ts";
import { Host } from "./components/host.ts";
import { Platform } from "./components/platform.ts";
import { Services, secretFiles } from "./components/services.ts";
import { UptimeChecks } from "./components/uptime.ts";
import { Workers } from "./components/workers.ts";

const WORKSPACE_ROOT = ["package.json", "package-lock.json", "tsconfig.base.json"];

/**
 * What each image built here is built from (what its Dockerfile copies), so a change rebuilds
 * only the images it reaches: a portal change leaves the orchestrator and the worker running.
 */
export const IMAGE_SOURCES: Record<string, string[]> = {
  [LOCAL_IMAGES.orchestrator]: [...WORKSPACE_ROOT, "agents", "services/orchestrator", "stack/package.json"],
  [LOCAL_IMAGES.frontend]: [
    ...WORKSPACE_ROOT,
    "agents/package.json",
    "services/orchestrator/package.json",
    "stack/package.json",
    "services/frontend",
  ],
};

/** Image reference → hash of its own sources. */
export function imageSourceHashes(root?: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(IMAGE_SOURCES).map(([ref, paths]) => [ref, sourceHash(paths, root)]),
  );
}

/** Everything deployed that is decided by config alone: definitions and files. */
export interface Plan {
  config: AgencyConfig;
  services: ServiceDefinition[];
  files: DeliveredFile[];
  dirs: string[];
}

/** Decides what to deploy; throws on a missing mounted file or limits that do not fit. */
export function plan(config: AgencyConfig, root?: string): Plan {
  const services = serviceDefinitions(config);
  checkMemoryBudget(services, config.serverMemoryMb);
  const repo = repoFiles(services, root);
  const generated = Object.entries(generatedFiles(config)).map(([rel, content]) => ({
    path: `${REMOTE_ROOT}/generated/${rel}`,
    content,
    mode: "0644",
  }));
  return { config, services, files: [...repo.files, ...generated], dirs: repo.dirs };
}

export interface AgencyOutputs {
  urls: Record<string, string>;
  serverIp: pulumi.Output<string>;
  ssh: pulumi.Output<string>;
  basicAuth: { user: string; sites: string[]; passwords: string };
  dnsRecords: pulumi.Output<string[]>;
  workerIps: pulumi.Output<string[]>;
  containers: ReturnType<typeof containerInventory>;
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

  const host = new Host("agency", {
    serverType: config.serverType,
    plannedMemoryMb: config.serverMemoryMb,
    location: config.location,
    sshPublicKeys: config.sshPublicKeys,
    sshSourceRanges: config.sshSourceRanges,
    protect: config.protect,
    sshPrivateKey,
    labels,
  });

  const dns = new Dns("agency", {
    hosts: config.hosts,
    ipv4: host.ipv4,
    zoneId: config.dns.provider === "cloudflare" ? config.dns.zoneId : undefined,
    proxied: config.dns.provider === "cloudflare" ? config.dns.proxied : false,
  });

  const connection = {
    host: host.ready.stdout.apply(() => host.ipv4),
    user: "root",
    privateKey: sshPrivateKey,
  };
  const hashes = imageSourceHashes();
  const platform = new Platform("agency", {
    dockerHost: host.dockerHost,
    connection,
    stack: config.stack,
    volumes: volumeNames(p.services),
    images: p.services.map((s) => s.image),
    files: p.files,
    dirs: p.dirs,
    secretFiles: secretFiles(p.services, secrets),
    protect: config.protect,
    sourceHashes: hashes,
  });

  const services = new Services("agency", {
    definitions: p.services,
    platform,
    secrets,
    stack: config.stack,
    files: p.files,
  });

  new Backups("agency", { config, connection, secrets }, { dependsOn: platform.filesReady });

  // External checks alert the ops email, as Alertmanager does (generated.ts).
  if (config.uptime && secrets.uptimeRobotApiKey) {
    new UptimeChecks(
      "agency",
      {
        stack: config.stack,
        hosts: config.hosts,
        alertEmail: config.acmeEmail,
        apiKey: secrets.uptimeRobotApiKey,
      },
      { dependsOn: [services, dns] },
    );
  }

  let workerIps: pulumi.Output<string[]> = pulumi.output([]);
  if (config.workers.count > 0) {
    const workers = new Workers("agency-worker", {
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
      definitionConfig: config,
      secrets,
      stack: config.stack,
      sourceHashes: hashes,
    });
    workerIps = pulumi.all(workers.ips);
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
    containers: containerInventory(p.services),
    deleteProtection: config.protect,
  };
}

/** The script that would deliver the plan's files, for the render. */
export function deliveryScript(p: Plan): string {
  return renderDeliveryScript(p.files, { dirs: p.dirs });
}
