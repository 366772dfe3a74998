/**
 * Nightly backups on the server: stack/backup/agency-backup.sh dumps Postgres (with the server's
 * major version), Redis (its own RDB dump) and Qdrant (its snapshot API), archives the other
 * volumes labelled agency.backup=true with their containers paused, uploads to the S3 bucket and
 * prunes what is older than the retention. A systemd timer runs it; its settings (with secrets) sit in a root-only env file.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { AgencyConfig, SecretName } from "../config.ts";
import { PROJECT } from "../configSchema.ts";
import { REPO_ROOT, renderDeliveryScript, shellQuote, type DeliveredFile } from "../delivery.ts";
import { fillSecrets, secretRefs } from "../containerSpec.ts";

export type BackupConfig = Pick<AgencyConfig, "stack" | "backup" | "database">;

/** The containers the script dumps through, by their deployed names. */
export interface BackupContainers {
  redis: string;
  /** With the container Postgres only. */
  postgres?: string;
}

/** The names the main stack's Services give them (the component is named after the project). */
export const DEFAULT_BACKUP_CONTAINERS: BackupContainers = {
  redis: `${PROJECT}-redis`,
  postgres: `${PROJECT}-postgres`,
};

/** Script, restore script and systemd units, as delivered to the server. */
export function backupFiles(cfg: BackupConfig, root = REPO_ROOT): DeliveredFile[] {
  const script = (name: string) => readFileSync(path.join(root, "stack/backup", name), "utf8");
  return [
    { path: "/opt/agency/bin/agency-backup-lib.sh", content: script("agency-backup-lib.sh"), mode: "0644" },
    { path: "/opt/agency/bin/agency-backup.sh", content: script("agency-backup.sh"), mode: "0755" },
    { path: "/opt/agency/bin/agency-restore.sh", content: script("agency-restore.sh"), mode: "0755" },
    {
      path: "/etc/systemd/system/agency-backup.service",
      mode: "0644",
      content: [
        "[Unit]",
        "Description=Back up the agency's database and volumes to S3",
        "After=docker.service",
        "Requires=docker.service",
        "",
        "[Service]",
        "Type=oneshot",
        "ExecStart=/opt/agency/bin/agency-backup.sh all",
        "Nice=10",
        "IOSchedulingClass=idle",
        "",
      ].join("\n"),
    },
    {
      path: "/etc/systemd/system/agency-backup.timer",
      mode: "0644",
      content: [
        "[Unit]",
        "Description=Nightly agency backup",
        "",
        "[Timer]",
        `OnCalendar=*-*-* ${cfg.backup.time}:00 UTC`,
        "Persistent=true",
        "RandomizedDelaySec=300",
        "",
        "[Install]",
        "WantedBy=timers.target",
        "",
      ].join("\n"),
    },
  ];
}

/**
 * The env file's settings, secret values as {{secret}} placeholders. The file is sourced by bash
 * as root, so every value becomes one quoted shell word only when it is written (backupEnv).
 */
export function backupEnvEntries(
  cfg: BackupConfig,
  containers: BackupContainers = DEFAULT_BACKUP_CONTAINERS,
): [string, string][] {
  return [
    ["STACK", cfg.stack],
    ["S3_ENDPOINT", cfg.backup.s3.endpoint],
    ["S3_BUCKET", cfg.backup.s3.bucket],
    ["S3_REGION", cfg.backup.s3.region],
    ["S3_ACCESS_KEY_ID", cfg.backup.ownCredentials ? "{{backupS3AccessKeyId}}" : "{{s3AccessKeyId}}"],
    [
      "S3_SECRET_ACCESS_KEY",
      cfg.backup.ownCredentials ? "{{backupS3SecretAccessKey}}" : "{{s3SecretAccessKey}}",
    ],
    ["BACKUP_PASSPHRASE", "{{backupPassphrase}}"],
    ["RETENTION_DAYS", String(cfg.backup.retentionDays)],
    ["REDIS_CONTAINER", containers.redis],
    // The snapshot API wants the key Qdrant requires of every client.
    ["QDRANT_API_KEY", "{{qdrantApiKey}}"],
    cfg.database === "container"
      ? ["POSTGRES_CONTAINER", containers.postgres ?? DEFAULT_BACKUP_CONTAINERS.postgres!]
      : ["DATABASE_URL", "{{databaseUrl}}"],
  ];
}

/** The secrets the env file refers to. */
export function backupSecretNames(cfg: BackupConfig): SecretName[] {
  return [...new Set(backupEnvEntries(cfg).flatMap(([, v]) => secretRefs(v)))];
}

/** The env file with `secret` filling the placeholders, every value shell-quoted. */
export function backupEnv(
  cfg: BackupConfig,
  secret: (name: SecretName) => string,
  containers?: BackupContainers,
): string {
  return backupEnvEntries(cfg, containers)
    .map(([key, value]) => `${key}=${shellQuote(fillSecrets(value, secret))}`)
    .join("\n")
    .concat("\n");
}

/** The env file as the render shows it: placeholders in place of the secrets. */
export function backupEnvTemplate(cfg: BackupConfig): string {
  return backupEnv(cfg, (n) => `{{${n}}}`);
}

export interface BackupsArgs {
  /** What to back up and where. Required. */
  config: BackupConfig;
  /** SSH connection to the server. Required. */
  connection: command.types.input.remote.ConnectionArgs;
  /** Secrets the env file refers to. Required. */
  secrets: Partial<Record<SecretName, pulumi.Output<string>>>;
  /** The deployed Redis and Postgres containers' names (Services.containers). Defaults to DEFAULT_BACKUP_CONTAINERS. */
  containers?: { redis: pulumi.Input<string>; postgres?: pulumi.Input<string> };
  /** What must be done before the commands connect (Host.readiness, file delivery). Defaults to none. */
  after?: pulumi.Resource[];
}

export class Backups extends pulumi.ComponentResource {
  /** Writes /etc/agency/backup.env (secret input). */
  readonly env: command.remote.Command;
  /** Delivers the scripts and units and enables the timer. */
  readonly timer: command.remote.Command;

  constructor(name: string, args: BackupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("agency:stack:Backups", name, {}, opts);
    const names = backupSecretNames(args.config);
    for (const n of names) {
      if (!args.secrets[n])
        throw new pulumi.ResourceError(
          `Backups needs the secret ${n}: pulumi config set --secret agency:${n} <value>`,
          this,
        );
    }
    const containers = pulumi.output(
      args.containers ?? DEFAULT_BACKUP_CONTAINERS,
    ) as pulumi.Output<BackupContainers>;
    const values = pulumi.all(names.map((n) => args.secrets[n]!));
    const envScript = pulumi.all([containers, values]).apply(([c, secretValues]) => {
      const byName = Object.fromEntries(names.map((n, i) => [n, secretValues[i]!]));
      const content = backupEnv(args.config, (n) => byName[n]!, c);
      return renderDeliveryScript([
        { path: "/etc/agency/backup.env", content, mode: "0600", owner: "root:root" },
      ]);
    });
    this.env = new command.remote.Command(
      `${name}-env`,
      { connection: args.connection, create: "bash -s", update: "bash -s", stdin: pulumi.secret(envScript) },
      { parent: this, dependsOn: args.after },
    );
    const script = renderDeliveryScript(backupFiles(args.config), {
      after: ["systemctl daemon-reload", "systemctl enable --now agency-backup.timer"],
    });
    this.timer = new command.remote.Command(
      `${name}-timer`,
      {
        connection: args.connection,
        create: "bash -s",
        update: "bash -s",
        delete: "systemctl disable --now agency-backup.timer || true",
        stdin: script,
      },
      { parent: this, dependsOn: [...(args.after ?? []), this.env] },
    );
    this.registerOutputs({ envId: this.env.id, timerId: this.timer.id, schedule: args.config.backup.time });
  }
}
