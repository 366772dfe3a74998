/**
 * Pulumi mocks for the program tests: no cloud, no CLI. Hetzner's data sources answer from a
 * small table, every resource echoes its inputs, and each registration is recorded.
 */
import * as pulumi from "@pulumi/pulumi";
import { POSTING_SECRETS } from "../config.ts";

export interface Recorded {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/** What each registration asked the engine, by `${type}::${name}`: its parent's URN and explicit dependencies (URNs). */
export const registrations = new Map<string, { parent: string; dependencies: string[] }>();

export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";

export const recorded: Recorded[] = [];

const SERVER_TYPES: Record<string, number> = { cx23: 4, cx33: 8, cx43: 16 };

/** Unwraps Pulumi's secret sentinels so tests read plain values. */
export function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (SECRET_SIG_KEY in obj) return plain(obj.value);
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

export function setAgencyMocks(stack: string): void {
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        recorded.push({ type: args.type, name: args.name, inputs: args.inputs });
        const state: Record<string, unknown> = { ...(plain(args.inputs) as Record<string, unknown>) };
        if (args.type === "hcloud:index/server:Server") state.ipv4Address = "203.0.113.10";
        if (args.type === "command:remote:Command") state.stdout = "28.0.0";
        if (args.type === "docker:index/remoteImage:RemoteImage") state.imageId = `sha256:${args.name}`;
        // The tls provider's key, as it reports it (a fixed stand-in: no key is generated here).
        if (args.type === "tls:index/privateKey:PrivateKey") {
          state.privateKeyOpenssh = `-----BEGIN OPENSSH PRIVATE KEY-----\nMOCK-${args.name}\n-----END OPENSSH PRIVATE KEY-----\n`;
          state.publicKeyOpenssh = `ssh-ed25519 AAAAMOCK${Buffer.from(args.name).toString("hex")}\n`;
          state.privateKeyPem = `-----BEGIN PRIVATE KEY-----\nMOCK-${args.name}\n-----END PRIVATE KEY-----\n`;
        }
        // The private CA's certificates, likewise stand-ins (components/privateTls.ts).
        if (args.type === "tls:index/certRequest:CertRequest")
          state.certRequestPem = `-----BEGIN CERTIFICATE REQUEST-----\nMOCK-${args.name}\n-----END CERTIFICATE REQUEST-----\n`;
        if (
          args.type === "tls:index/selfSignedCert:SelfSignedCert" ||
          args.type === "tls:index/locallySignedCert:LocallySignedCert"
        )
          state.certPem = `-----BEGIN CERTIFICATE-----\nMOCK-${args.name}\n-----END CERTIFICATE-----\n`;
        const id = args.type.startsWith("hcloud:") ? String(100 + recorded.length) : `${args.name}-id`;
        return { id, state };
      },
      call(args) {
        if (args.token === "hcloud:index/getServerType:getServerType") {
          const name = String(args.inputs.name);
          const memory = SERVER_TYPES[name];
          if (memory === undefined) throw new Error(`server type ${name} not found`);
          return {
            name,
            memory,
            isDeprecated: false,
            locations: ["nbg1", "fsn1", "hel1"].map((l, i) => ({
              id: i + 1,
              name: l,
              available: true,
              isDeprecated: false,
            })),
          };
        }
        if (args.token === "hcloud:index/getLocation:getLocation")
          return { name: args.inputs.name, networkZone: "eu-central" };
        throw new Error(`unexpected call ${args.token}`);
      },
    },
    "agency",
    stack,
    false,
  );
  // The mocks see only type, name and inputs; the dependencies are on the request itself.
  type Request = {
    getType(): string;
    getName(): string;
    getParent(): string;
    getDependenciesList(): string[];
  };
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: Request, cb: unknown): unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    registrations.set(`${req.getType()}::${req.getName()}`, {
      parent: req.getParent(),
      dependencies: req.getDependenciesList(),
    });
    return register(req, cb);
  };
}

/**
 * Waits until every registration the program started has reached the mocks. Pulumi keeps one
 * promise chain of outstanding RPCs (taken when a resource is constructed, before its inputs
 * resolve); waitForRPCs drains it. It is internal to the SDK, so a quiet period backs it up.
 */
export async function settle(quietMs = 200, timeoutMs = 60_000): Promise<Recorded[]> {
  const drain = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
  if (drain) await drain();
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  while (Date.now() < deadline) {
    if (recorded.length === last) return [...recorded];
    last = recorded.length;
    await new Promise((r) => setTimeout(r, quietMs));
  }
  throw new Error("the program kept registering resources");
}

export const SECRET_VALUES: Record<string, string> = Object.fromEntries(
  [
    "hcloud:token",
    "cloudflare:apiToken",
    ...[
      "openaiApiKey",
      "anthropicApiKey",
      "resendApiKey",
      "s3AccessKeyId",
      "s3SecretAccessKey",
      "secretKey",
      "agencyAdminToken",
      "agencyOperators",
      "redisPassword",
      "postgresPassword",
      "databaseUrl",
      "n8nEncryptionKey",
      "qdrantApiKey",
      "cmsWebhookSecret",
      "automationWebhookSecret",
      "alertmanagerToken",
      "secretKeyPrevious",
      "backupPassphrase",
      "automationsPasswordHash",
      "grafanaPasswordHash",
      "grafanaAdminPassword",
      // Optional; the stack tests run with it set, so SENTRY_DSN is checked for leaks too.
      "sentryDsn",
      // Optional posting credentials, set so the leak check covers them too.
      ...POSTING_SECRETS,
    ].map((k) => `agency:${k}`),
  ].map((k) => [
    k,
    // The database URL must be one the stack accepts (TLS required); the marker stays in it.
    k === "agency:databaseUrl"
      ? "postgres://agency:SECRET-databaseUrl-4f1c@db.example.com:5432/agency?sslmode=require"
      : `SECRET-${k.split(":")[1]}-4f1c`,
  ]),
);

export const PROD_CONFIG: Record<string, string> = {
  "agency:domain": "example.com",
  "agency:acmeEmail": "ops@example.com",
  "agency:serverType": "cx33",
  "agency:sshPublicKeys": JSON.stringify(["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq7 ops@laptop"]),
  "agency:sshSourceRanges": JSON.stringify(["203.0.113.0/24"]),
  "agency:cloudflareZoneId": "0123456789abcdef0123456789abcdef",
  "agency:s3Endpoint": "https://fsn1.your-objectstorage.com",
  "agency:s3Bucket": "agency-backups",
  "agency:calendarUrl": "https://cal.example.com/agency",
};

/** Sets the stack's config (secret keys marked secret) before the program reads it. */
export function useConfig(
  plainConfig: Record<string, string>,
  secrets: Record<string, string> = SECRET_VALUES,
): void {
  pulumi.runtime.setAllConfig({ ...plainConfig, ...secrets }, Object.keys(secrets));
}
