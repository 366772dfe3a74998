/**
 * Growth past one server: N worker servers on a Hetzner private network, each running the worker
 * container against the main server's Redis queue (published on the private address only) and
 * an external Postgres. The main server joins the network at MAIN_PRIVATE_IP.
 */
import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import { networkZone } from "../config.ts";
import { CONFIG_SCHEMA, SERVER_MEMORY_MB } from "../configSchema.ts";
import {
  MAIN_PRIVATE_IP,
  PRIVATE_NETWORK_RANGE,
  withNodeMemory,
  workerDefinition,
  type DefinitionConfig,
  type ServiceDefinition,
} from "../containers.ts";
import { PRIVATE_TLS_FILES, clearTextProblems, remoteWorkerEnv } from "../privateLink.ts";
import { Host } from "./host.ts";
import { PrivateTls } from "./privateTls.ts";
import { Platform } from "./platform.ts";
import { Services, secretFiles, type Secrets } from "./services.ts";

/** The worker as it runs on a worker server: queue and vectors through the main server's TLS gateway. */
export function remoteWorkerDefinition(cfg: DefinitionConfig, serverMemoryMb: number): ServiceDefinition {
  const def = workerDefinition(cfg, serverMemoryMb);
  return withNodeMemory({
    ...def,
    networks: ["edge"],
    ...remoteWorkerEnv(def),
    secretFiles: [...def.secretFiles, { secret: "privateTlsCa", target: PRIVATE_TLS_FILES.ca }],
    fileOwner: "1000",
    // The whole server is the worker's.
    memoryMb: serverMemoryMb - 640,
    dependsOn: [],
  });
}

/** Private address of worker i (0-based). */
export function workerIp(i: number): string {
  return `10.70.0.${10 + i}`;
}

export interface WorkersArgs {
  /** Number of worker servers. Defaults to agency:workerServers' default (0). */
  count?: number;
  /** Server type of each. Defaults to agency:workerServerType's default. */
  serverType?: string;
  /** Memory of that type in MB. Defaults to that of `serverType`. */
  serverMemoryMb?: number;
  /** Hetzner location. Defaults to agency:location's default. */
  location?: string;
  /** Network zone of the location. Defaults to the zone of `location`. */
  networkZone?: string;
  /** The main server, joined to the network. Required. */
  mainServerId: pulumi.Input<number>;
  /** Keys, SSH ranges, labels and protection as for the main host. Required. */
  host: {
    sshKeyIds: pulumi.Input<string>[];
    sshPublicKeys: string[];
    sshSourceRanges: string[];
    protect: boolean;
    labels: Record<string, string>;
    sshPrivateKey?: pulumi.Input<string>;
  };
  /** What the worker container is built from. Required. */
  definitionConfig: DefinitionConfig;
  /** Secrets the worker needs. Required. */
  secrets: Secrets;
  /** Stack name. Required. */
  stack: string;
  /**
   * Prefix of the worker container's name on each worker server (its own Docker host, so the
   * main stack's prefix cannot collide there). Defaults to `<name>-<i>-`.
   */
  containerNamePrefix?: string;
}

export class Workers extends pulumi.ComponentResource {
  readonly ips: pulumi.Output<string>[] = [];
  /** The main server's attachment to the private network; the private gateway binds to its address and waits for it. */
  readonly mainAttachment: hcloud.ServerNetwork;
  /** The private CA and the gateway's certificate and key, for the main server's private gateway. */
  readonly tls: PrivateTls;

  constructor(name: string, args: WorkersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("agency:stack:Workers", name, {}, opts);
    const count = args.count ?? CONFIG_SCHEMA.workerServers.default;
    const serverType = args.serverType ?? CONFIG_SCHEMA.workerServerType.default;
    const location = args.location ?? CONFIG_SCHEMA.location.default;
    if (count > 0 && args.definitionConfig.database !== "external") {
      throw new pulumi.ResourceError(
        "worker servers need an external database: pulumi config set agency:database external",
        this,
      );
    }
    const network = new hcloud.Network(
      `${name}-network`,
      { ipRange: PRIVATE_NETWORK_RANGE, labels: args.host.labels },
      { parent: this },
    );
    const subnet = new hcloud.NetworkSubnet(
      `${name}-subnet`,
      {
        networkId: network.id.apply(Number),
        type: "cloud",
        networkZone: args.networkZone ?? networkZone(location),
        ipRange: "10.70.0.0/24",
      },
      { parent: this },
    );
    this.mainAttachment = new hcloud.ServerNetwork(
      `${name}-main-attachment`,
      { serverId: args.mainServerId, networkId: network.id.apply(Number), ip: MAIN_PRIVATE_IP },
      { parent: this, dependsOn: [subnet] },
    );

    this.tls = new PrivateTls(`${name}-tls`, { ipAddresses: [MAIN_PRIVATE_IP] }, { parent: this });
    const secrets: Secrets = { ...args.secrets, ...this.tls.secrets };

    const memory = args.serverMemoryMb ?? SERVER_MEMORY_MB[serverType];
    if (memory === undefined)
      throw new pulumi.ResourceError(
        `no memory known for server type ${serverType}; pass serverMemoryMb`,
        this,
      );
    const def = remoteWorkerDefinition(args.definitionConfig, memory);
    const clear = clearTextProblems(def);
    if (clear.length)
      throw new pulumi.ResourceError(
        `traffic between servers would go in the clear: ${clear.join("; ")}`,
        this,
      );
    for (let i = 0; i < count; i++) {
      const host = new Host(
        `${name}-${i}`,
        {
          role: "worker",
          serverType,
          plannedMemoryMb: memory,
          location,
          sshPublicKeys: args.host.sshPublicKeys,
          sshKeyIds: args.host.sshKeyIds,
          sshSourceRanges: args.host.sshSourceRanges,
          protect: args.host.protect,
          labels: args.host.labels,
          sshPrivateKey: args.host.sshPrivateKey,
          privateNetwork: { networkId: network.id.apply(Number), ip: workerIp(i), dependsOn: [subnet] },
        },
        { parent: this },
      );
      const platform = new Platform(
        `${name}-${i}`,
        {
          dockerHost: host.dockerHost,
          hostReadiness: host.readiness,
          hostPublicKey: host.hostPublicKey,
          connection: host.connection,
          stack: args.stack,
          images: [def.image],
          networks: ["edge"],
          protect: false,
          // Its own Docker host: the plain network name, as on the main server.
          dockerNamePrefix: "",
          secretFiles: secretFiles([def], secrets),
        },
        { parent: this, dependsOn: [this.mainAttachment] },
      );
      new Services(
        `${name}-${i}`,
        {
          definitions: [def],
          platform,
          secrets,
          stack: args.stack,
          containerNamePrefix: args.containerNamePrefix ?? `${name}-${i}-`,
        },
        { parent: this },
      );
      this.ips.push(host.ipv4);
    }
    this.registerOutputs({ ips: this.ips });
  }
}
