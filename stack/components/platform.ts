/**
 * Docker on the server, reached over SSH: the provider, the three networks, a named volume for
 * every piece of state, the images (built on the server from this repository, or pulled by
 * digest) and the files the containers mount.
 */
import path from "node:path";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { REPO_ROOT, renderDeliveryScript, type DeliveredFile } from "../delivery.ts";
import { pruneRepositories, renderPruneScript } from "../images.ts";
import { NETWORKS, type ImageSpec, type NetworkName } from "../containerSpec.ts";
import { dockerSshOpts } from "./host.ts";

/**
 * The repository root relative to where Pulumi runs (the project folder), so the state holds "."
 * rather than one machine's absolute path and another clone does not rebuild every image.
 */
export function buildContext(cwd = process.cwd()): string {
  return path.relative(cwd, REPO_ROOT) || ".";
}

export interface PlatformArgs {
  /** ssh://root@ip of the server. Required. */
  dockerHost: pulumi.Input<string>;
  /** What must be done before anything here connects to the server (Host.readiness). Defaults to none. */
  hostReadiness?: pulumi.Resource[];
  /**
   * Prefix of the Docker network and volume names, so two platforms on one Docker host cannot
   * collide. Defaults to `<name>-`.
   */
  dockerNamePrefix?: string;
  /** The server's SSH host key, pinned for the docker provider. Required. */
  hostPublicKey: pulumi.Input<string>;
  /** Memory a build on the server may use, in MB, so it cannot starve the running containers. Defaults to 1536. */
  buildMemoryMb?: number;
  /** SSH connection for file delivery. Required. */
  connection: command.types.input.remote.ConnectionArgs;
  /** Stack name, a label on everything. Required. */
  stack: string;
  /** Named volumes to create. Defaults to none. */
  volumes?: string[];
  /** Images the containers run. Defaults to none. */
  images?: ImageSpec[];
  /** Plain files to write on the server. Defaults to none. */
  files?: DeliveredFile[];
  /** Folders whose files not in `files` are removed. Defaults to none. */
  dirs?: string[];
  /** Secret files, written by a separate command whose input stays secret. Defaults to none. */
  secretFiles?: pulumi.Output<DeliveredFile[]>;
  /** Keep volumes from deletion. Defaults to true. */
  protect?: boolean;
  /** Networks to create. Defaults to all three. */
  networks?: NetworkName[];
  /** Build context for images built here. Defaults to the repository root. */
  buildContext?: string;
}

export class Platform extends pulumi.ComponentResource {
  readonly provider: docker.Provider;
  readonly networks: Partial<Record<NetworkName, docker.Network>>;
  readonly volumes: Record<string, docker.Volume>;
  /** Image reference → the id containers should run (changes when the image does). */
  readonly images: Record<string, pulumi.Output<string>>;
  /** The image resources, for the pruning to wait on. */
  readonly imageResources: docker.RemoteImage[];
  /** Resources the containers must wait for (file delivery). */
  readonly filesReady: pulumi.Resource[];

  private readonly name: string;
  private readonly connection: command.types.input.remote.ConnectionArgs;
  private readonly afterHost: pulumi.Resource[];

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("agency:stack:Platform", name, {}, opts);
    this.name = name;
    this.connection = args.connection;
    this.afterHost = args.hostReadiness ?? [];
    const protect = args.protect ?? true;
    const prefix = args.dockerNamePrefix ?? `${name}-`;
    const labels = (extra: Record<string, string> = {}) =>
      Object.entries({ "agency.stack": args.stack, ...extra }).map(([label, value]) => ({ label, value }));

    this.provider = new docker.Provider(
      `${name}-docker`,
      {
        host: args.dockerHost,
        sshOpts: pulumi.output(args.hostPublicKey).apply(dockerSshOpts),
      },
      { parent: this, dependsOn: this.afterHost },
    );
    const child = { parent: this, provider: this.provider };

    this.networks = {};
    for (const net of NETWORKS.filter((n) =>
      (args.networks ?? NETWORKS.map((x) => x.name)).includes(n.name),
    )) {
      this.networks[net.name] = new docker.Network(
        `${name}-${net.name}`,
        {
          name: `${prefix}${net.name}`,
          internal: net.internal,
          driver: "bridge",
          ipamConfigs: [{ subnet: net.subnet, gateway: net.gateway }],
          labels: labels(),
        },
        child,
      );
    }

    this.volumes = {};
    for (const volume of args.volumes ?? []) {
      this.volumes[volume] = new docker.Volume(
        `${name}-${volume}`,
        { name: `${prefix}${volume}`, labels: labels({ "agency.backup": "true" }) },
        { ...child, protect, retainOnDelete: protect },
      );
    }

    this.images = {};
    this.imageResources = [];
    const buildMemory = (args.buildMemoryMb ?? 1536) * 1024 * 1024;
    for (const image of args.images ?? []) {
      if (this.images[image.ref]) continue;
      // Named by repository, not tag: a new release updates this resource rather than adding one.
      const short = image.ref.replace(/^.*\//, "").replace(/[@:].*$/, "");
      // keepLocally: the release before stays on the server for a roll back (the pruning
      // removes older ones). A tag built from the repository is its build hash, so a new tag is
      // a new build and an old tag (agency:release) is run as it is.
      const remote = new docker.RemoteImage(
        `${name}-image-${short}`,
        image.build
          ? {
              name: image.ref,
              keepLocally: true,
              build: {
                context: args.buildContext ?? buildContext(),
                dockerfile: image.build.dockerfile,
                label: { "agency.stack": args.stack },
                memory: buildMemory,
                memorySwap: buildMemory,
              },
            }
          : { name: image.ref, keepLocally: true },
        child,
      );
      this.images[image.ref] = remote.imageId;
      this.imageResources.push(remote);
    }

    this.filesReady = [];
    if (args.files?.length || args.dirs?.length) {
      this.filesReady.push(
        new command.remote.Command(
          `${name}-files`,
          {
            connection: args.connection,
            create: "bash -s",
            update: "bash -s",
            stdin: renderDeliveryScript(args.files ?? [], { dirs: args.dirs }),
          },
          { parent: this, dependsOn: this.afterHost },
        ),
      );
    }
    if (args.secretFiles) {
      this.filesReady.push(
        new command.remote.Command(
          `${name}-secret-files`,
          {
            connection: args.connection,
            create: "bash -s",
            update: "bash -s",
            stdin: pulumi.secret(args.secretFiles.apply((files) => renderDeliveryScript(files))),
          },
          { parent: this, dependsOn: this.afterHost },
        ),
      );
    }

    this.registerOutputs({
      images: this.images,
      networks: Object.fromEntries(Object.entries(this.networks).map(([k, n]) => [k, n.name])),
      volumes: Object.fromEntries(Object.entries(this.volumes).map(([k, v]) => [k, v.name])),
    });
  }

  /**
   * Removes images older than the last two releases once `after` (the containers) are in place;
   * runs again whenever an image changes.
   */
  pruneImages(after: pulumi.Resource[]): command.remote.Command | undefined {
    const refs = Object.keys(this.images);
    const repos = pruneRepositories(refs);
    if (!repos.length) return undefined;
    return new command.remote.Command(
      `${this.name}-prune-images`,
      {
        connection: this.connection,
        create: "bash -s",
        update: "bash -s",
        stdin: renderPruneScript(repos),
        triggers: Object.values(this.images),
      },
      { parent: this, dependsOn: [...this.afterHost, ...after] },
    );
  }
}
