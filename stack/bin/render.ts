/**
 * Writes what a stack would deploy, with placeholder secrets, for review and for the tool tests:
 *   npm run stack:render -- --stack prod --out render
 *   npm run stack:render -- --stack pr-12 --out render-pr-12   (preview of Pulumi.prod.yaml)
 *   npm run stack:render -- --write-compose --write-project    (regenerate the root files)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { parse } from "yaml";
import {
  PROJECT,
  PROVIDER_SECRETS,
  SECRETS,
  parseConfig,
  type RawConfig,
  type SecretName,
} from "../config.ts";
import { renderCompose } from "../compose.ts";
import { REPO_ROOT } from "../delivery.ts";
import { dnsRecords } from "../components/dns.ts";
import { firewallRules, renderAccessScript, renderCloudInit } from "../components/host.ts";
import { backupEnvTemplate, backupFiles } from "../components/backups.ts";
import { plainEnv, secretEnv } from "../components/services.ts";
import { plan, deliveryScript } from "../program.ts";
import { REMOTE_ROOT, containerInventory } from "../containerSpec.ts";
import { renderProjectFile } from "../projectFile.ts";
import { buildHashesByDockerfile, formatRelease, pruneRepositories, renderPruneScript } from "../images.ts";

/** A valid bcrypt hash (of the password "test"), so the rendered Caddyfile env validates. */
export const PLACEHOLDER_HASH = "$2a$14$26tSckCOTLD2AM9knL6YaetTGcGW3udio2BM8jHslJBIr1VDR4jaW";

/** Stands in for the host key the stack generates (an ed25519 key made for the render only). */
export const PLACEHOLDER_HOST_KEY = {
  privateKey:
    "-----BEGIN OPENSSH PRIVATE KEY-----\n<generated at deploy time by the tls provider>\n-----END OPENSSH PRIVATE KEY-----\n",
  publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlaceholderHostKeyGeneratedAtDeployTime",
};

export function placeholder(name: SecretName): string {
  return name.endsWith("PasswordHash") ? PLACEHOLDER_HASH : `<secret:${name}>`;
}

/** Plain config of a stack from its Pulumi.<stack>.yaml; pr-N without a file previews prod. */
export function stackRawConfig(stack: string, root = REPO_ROOT): RawConfig {
  const own = path.join(root, `Pulumi.${stack}.yaml`);
  const preview = !existsSync(own) && /^pr-\d+$/.test(stack);
  const file = preview ? path.join(root, "Pulumi.prod.yaml") : own;
  if (!existsSync(file))
    throw new Error(
      `${path.relative(root, file)} does not exist: create the stack first (pulumi stack init ${stack})`,
    );
  const doc = (parse(readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const raw: Record<string, string> = {};
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    if (!key.startsWith(`${PROJECT}:`) || (value && typeof value === "object" && "secure" in value)) continue;
    raw[key.slice(PROJECT.length + 1)] = Array.isArray(value) ? JSON.stringify(value) : String(value);
  }
  if (preview) {
    // As stack/bin/new-preview.sh sets it up: the preview's own bucket, none of prod's.
    raw.preview = stack;
    if (raw.s3Bucket) raw.s3Bucket = `${raw.s3Bucket}-${stack}`;
    delete raw.backupS3Bucket;
  }
  return raw as RawConfig;
}

/** Writes the review tree into `out` and returns the paths written (relative to it). */
export function render(stack: string, out: string, root = REPO_ROOT): string[] {
  const everySecret = new Set([
    ...Object.keys(PROVIDER_SECRETS),
    ...Object.keys(SECRETS).map((s) => `${PROJECT}:${s}`),
  ]);
  const config = parseConfig(stackRawConfig(stack, root), everySecret, stack);
  const p = plan(config, root);
  const written: string[] = [];
  const write = (rel: string, content: string) => {
    const file = path.join(out, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
    written.push(rel);
  };
  const placeholders = Object.fromEntries(Object.keys(SECRETS).map((s) => [s, placeholder(s as SecretName)]));

  write("Caddyfile", readFileSync(path.join(root, "Caddyfile"), "utf8"));
  const caddy = p.services.find((s) => s.name === "caddy")!;
  write(
    "caddy.env",
    [...plainEnv(caddy), ...secretEnv(caddy, placeholders)]
      .map((l) => l.replace(/=(.*)$/, "='$1'"))
      .join("\n") + "\n",
  );
  // The real host key is generated at deploy time; the render carries a placeholder of its shape.
  write("cloud-init/user-data", renderCloudInit({ hostKey: PLACEHOLDER_HOST_KEY }));
  write(
    "access.sh",
    renderAccessScript({ sshPublicKeys: config.sshPublicKeys, sshSourceRanges: config.sshSourceRanges }),
  );
  write("docker-compose.yml", renderCompose(p.services, stack));
  write("firewall.json", `${JSON.stringify(firewallRules(config.sshSourceRanges), null, 2)}\n`);
  write(
    "dns.json",
    `${JSON.stringify(dnsRecords(config.hosts, config.dns.provider === "cloudflare" && config.dns.proxied), null, 2)}\n`,
  );
  write(
    "containers.json",
    `${JSON.stringify(containerInventory(p.services, buildHashesByDockerfile(p.hashes)), null, 2)}\n`,
  );
  write("release.txt", `${formatRelease(p.release)}\n`);
  write("prune-images.sh", renderPruneScript(pruneRepositories(p.services.map((s) => s.image.ref))));
  write("deliver-files.sh", deliveryScript(p));
  write("backup/backup.env", backupEnvTemplate(config));
  for (const f of backupFiles(config)) write(path.join("server", f.path), f.content);
  // Each container's view of its mounted files, laid out as it sees them.
  for (const s of p.services) {
    for (const mount of [
      ...s.files.map((f) => ({ ...f, at: `${REMOTE_ROOT}/${f.source}` })),
      ...s.generated.map((f) => ({ ...f, at: `${REMOTE_ROOT}/generated/${f.source}` })),
    ]) {
      for (const file of p.files.filter((f) => f.path === mount.at || f.path.startsWith(`${mount.at}/`))) {
        write(path.join("containers", s.name, mount.target + file.path.slice(mount.at.length)), file.content);
      }
    }
  }
  // The generated files also where compose mounts them from (AGENCY_GENERATED, default ./render).
  for (const file of p.files.filter((f) => f.path.startsWith(`${REMOTE_ROOT}/generated/`))) {
    write(file.path.slice(`${REMOTE_ROOT}/generated/`.length), file.content);
  }
  return written;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      stack: { type: "string", default: "prod" },
      out: { type: "string" },
      "write-compose": { type: "boolean", default: false },
      "write-project": { type: "boolean", default: false },
    },
  });
  if (values["write-compose"]) writeFileSync(path.join(REPO_ROOT, "docker-compose.yml"), renderCompose());
  if (values["write-project"]) writeFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), renderProjectFile());
  if (values.out) {
    const written = render(values.stack, path.resolve(values.out));
    console.log(`wrote ${written.length} files for stack ${values.stack} to ${values.out}`);
  } else if (!values["write-compose"] && !values["write-project"]) {
    console.error(
      "usage: npm run stack:render -- --stack prod --out DIR [--write-compose] [--write-project]",
    );
    process.exitCode = 2;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    main();
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  }
}
