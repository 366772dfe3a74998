/**
 * The containers, one per service definition (stack/containers.ts), on a Platform's networks and
 * volumes. Plain env and secret env stay apart until here: the secret half arrives as Outputs
 * marked secret, so the merged env list is secret in state and in previews.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { SecretName } from "../config.ts";
import { filesHash, type DeliveredFile } from "../delivery.ts";
import {
  REMOTE_ROOT,
  containerLabels,
  fillSecrets,
  secretRefs,
  type GeneratedSecret,
  type ServiceDefinition,
} from "../containerSpec.ts";
import type { Platform } from "./platform.ts";

export type Secrets = Partial<Record<SecretName | GeneratedSecret, pulumi.Output<string>>>;

/** How long a deploy waits for a new container to report healthy: past n8n's start period and five checks. */
export const WAIT_TIMEOUT_SECONDS = 300;

/** KEY=value lines of the plain env, sorted so diffs stay quiet. */
export function plainEnv(def: Pick<ServiceDefinition, "env">): string[] {
  return Object.entries(def.env)
    .map(([k, v]) => `${k}=${v}`)
    .sort();
}

/** The secrets a definition needs, so a missing one is named before anything is created. */
export function requiredSecrets(
  def: Pick<ServiceDefinition, "secretEnv" | "secretFiles">,
): (SecretName | GeneratedSecret)[] {
  return [
    ...new Set([
      ...Object.values(def.secretEnv).flatMap(secretRefs),
      ...def.secretFiles.map((f) => f.secret),
    ]),
  ];
}

/** KEY=value lines of the secret env with `values` filled in. */
export function secretEnv(
  def: Pick<ServiceDefinition, "secretEnv">,
  values: Partial<Record<SecretName, string>>,
): string[] {
  return Object.entries(def.secretEnv)
    .map(([k, template]) => `${k}=${fillSecrets(template, (n) => values[n] ?? "")}`)
    .sort();
}

/** Where a secret file lives on the server before it is mounted. */
export function secretFilePath(service: string, target: string): string {
  return `${REMOTE_ROOT}/secrets/${service}/${target.split("/").pop()}`;
}

/** The secret files every definition asks for, with values filled in (for Platform). */
export function secretFiles(defs: ServiceDefinition[], secrets: Secrets): pulumi.Output<DeliveredFile[]> {
  const wanted = defs.flatMap((d) => d.secretFiles.map((f) => ({ def: d, file: f })));
  return pulumi.all(wanted.map(({ file }) => secrets[file.secret]!)).apply((values) =>
    wanted.map(({ def, file }, i) => ({
      path: secretFilePath(def.name, file.target),
      content: values[i]!,
      mode: "0400",
      owner: def.fileOwner ? `${def.fileOwner}:${def.fileOwner}` : undefined,
    })),
  );
}

export interface ServicesArgs {
  /** The containers to run. Required. */
  definitions: ServiceDefinition[];
  /** Provider, networks, volumes and images to use. Required. */
  platform: Platform;
  /** Secrets the definitions refer to. Required. */
  secrets: Secrets;
  /** Stack name for labels. Required. */
  stack: string;
  /** The delivered files, hashed into a label so a config change replaces its container. Defaults to none. */
  files?: DeliveredFile[];
  /** Further resources a container waits for, by container name. Defaults to none. */
  dependsOn?: Record<string, pulumi.Resource[]>;
  /** Prefix of the container names, so two instances on one Docker host cannot collide. Defaults to `<name>-` (agency-caddy for Services "agency"). */
  containerNamePrefix?: string;
}

export class Services extends pulumi.ComponentResource {
  readonly containers: Record<string, docker.Container>;

  constructor(name: string, args: ServicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("agency:stack:Services", name, {}, opts);
    const { platform } = args;
    const missing = [...new Set(args.definitions.flatMap(requiredSecrets))].filter((s) => !args.secrets[s]);
    if (missing.length) {
      throw new pulumi.ResourceError(
        `the containers need secrets that are not set: ${missing.map((s) => `pulumi config set --secret agency:${s} <value>`).join("; ")}`,
        this,
      );
    }

    const prefix = args.containerNamePrefix ?? `${name}-`;
    this.containers = {};
    for (const def of args.definitions) {
      const refs = requiredSecrets(def);
      const env = pulumi.all(refs.map((r) => args.secrets[r]!)).apply((values) => {
        const byName = Object.fromEntries(refs.map((r, i) => [r, values[i]!]));
        return [...plainEnv(def), ...secretEnv(def, byName)];
      });
      const image = platform.images[def.image.ref];
      if (!image)
        throw new pulumi.ResourceError(`no image ${def.image.ref} on the platform for ${def.name}`, this);
      const networks = def.networks.map((n) => {
        const network = platform.networks[n];
        if (!network)
          throw new pulumi.ResourceError(`network ${n} is missing on the platform for ${def.name}`, this);
        // Replicas share the service's name as an alias besides their own.
        return { name: network.name, aliases: [...new Set([def.name, def.service])] };
      });
      const hashed = [
        ...def.files.map((f) => `${REMOTE_ROOT}/${f.source}`),
        ...def.generated.map((f) => `${REMOTE_ROOT}/generated/${f.source}`),
      ];
      const labels = {
        ...containerLabels(def, args.stack),
        "agency.config-hash": filesHash(args.files ?? [], hashed),
      };
      const dependsOn = [
        ...platform.filesReady,
        ...(args.dependsOn?.[def.name] ?? []),
        ...def.dependsOn.map((d) => this.containers[d]).filter((c): c is docker.Container => c !== undefined),
      ];

      this.containers[def.name] = new docker.Container(
        `${name}-${def.name}`,
        {
          name: `${prefix}${def.name}`,
          hostname: def.name,
          image,
          entrypoints: def.entrypoint,
          command: def.command,
          user: def.user,
          readOnly: def.readOnly,
          tmpfs: Object.fromEntries(def.tmpfs.map((t) => [t, `rw,nosuid,nodev,size=${def.tmpfsMb}m`])),
          networksAdvanced: networks,
          ports: def.ports.map((p) => ({
            internal: p.container,
            external: p.host,
            protocol: p.protocol ?? "tcp",
            ip: p.ip,
          })),
          envs: pulumi.secret(env),
          volumes: [
            ...def.volumes.map((v) => ({
              volumeName: platform.volumes[v.volume]?.name ?? v.volume,
              containerPath: v.target,
            })),
            ...def.files.map((f) => ({
              hostPath: `${REMOTE_ROOT}/${f.source}`,
              containerPath: f.target,
              readOnly: true,
            })),
            ...def.generated.map((f) => ({
              hostPath: `${REMOTE_ROOT}/generated/${f.source}`,
              containerPath: f.target,
              readOnly: true,
            })),
            ...def.secretFiles.map((f) => ({
              hostPath: secretFilePath(def.name, f.target),
              containerPath: f.target,
              readOnly: true,
            })),
            ...def.hostMounts.map((m) => ({ hostPath: m.source, containerPath: m.target, readOnly: true })),
          ],
          healthcheck: {
            tests: def.healthcheck.test,
            interval: def.healthcheck.interval,
            timeout: def.healthcheck.timeout,
            retries: def.healthcheck.retries,
            startPeriod: def.healthcheck.startPeriod,
          },
          // The deploy goes on only once the container is healthy, so the next replica is replaced
          // only when this one serves; a release that never gets healthy stops at the first.
          wait: true,
          waitTimeout: WAIT_TIMEOUT_SECONDS,
          memory: def.memoryMb,
          // SIGTERM starts the app's drain (the worker finishes its step); stopTimeout covers
          // restarts and docker stop, destroyGraceSeconds the replacement on deploy.
          stopSignal: "SIGTERM",
          ...(def.stopGraceSeconds !== undefined
            ? { stopTimeout: def.stopGraceSeconds, destroyGraceSeconds: def.stopGraceSeconds }
            : {}),
          memorySwap: def.memoryMb,
          restart: "unless-stopped",
          privileged: false,
          capabilities: { drops: ["ALL"], adds: def.capAdd },
          securityOpts: ["no-new-privileges:true"],
          labels: Object.entries(labels).map(([label, value]) => ({ label, value })),
          mustRun: true,
        },
        { parent: this, provider: platform.provider, dependsOn },
      );
    }
    this.registerOutputs({
      containers: Object.fromEntries(Object.entries(this.containers).map(([k, c]) => [k, c.name])),
    });
  }
}
