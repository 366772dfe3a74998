/**
 * Options of the real program under Pulumi mocks (stack/testing/mocks.ts): worker servers with an
 * external database, built or digest-pinned images, DNS elsewhere, config read through Pulumi.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  PROD_CONFIG,
  SECRET_SIG_KEY,
  SECRET_VALUES,
  plain,
  recorded,
  setAgencyMocks,
  settle,
  useConfig,
  type Recorded,
} from "./testing/mocks.ts";

setAgencyMocks("prod");

const { loadConfig, ConfigError } = await import("./config.ts");
const { defineAgency } = await import("./program.ts");
const { policies } = await import("./policy/rules.ts");
const { buildHashes } = await import("./images.ts");

const inputs = (r: Recorded) => plain(r.inputs) as Record<string, unknown>;

describe("two worker servers with an external database", () => {
  let resources: Recorded[];
  beforeAll(async () => {
    recorded.length = 0;
    useConfig({
      ...PROD_CONFIG,
      "agency:workerServers": "2",
      "agency:database": "external",
      "agency:workerServerType": "cx43",
    });
    const cfg = loadConfig();
    defineAgency(cfg);
    resources = await settle();
    console.log(`prod stack with 2 worker servers: ${resources.length} resources`);
  });

  it("when deployed, then three servers share one SSH key and a private network", () => {
    expect(resources.filter((r) => r.type === "hcloud:index/server:Server")).toHaveLength(3);
    expect(resources.filter((r) => r.type === "hcloud:index/sshKey:SshKey")).toHaveLength(1);
    expect(resources.filter((r) => r.type === "hcloud:index/network:Network")).toHaveLength(1);
    const attachment = resources.find((r) => r.type === "hcloud:index/serverNetwork:ServerNetwork")!;
    expect(inputs(attachment).ip).toBe("10.70.0.2");
  });

  it("when deployed, then no Postgres container runs and the workers use the main server's private address", () => {
    const containers = resources.filter((r) => r.type === "docker:index/container:Container").map(inputs);
    expect(containers.map((c) => c.name)).not.toContain("agency-postgres");
    const workers = containers.filter((c) => c.name === "agency-worker");
    expect(workers).toHaveLength(3);
    const remote = workers.filter((w) =>
      (w.envs as string[]).some((e) => e.startsWith("REDIS_URL=") && e.includes("@10.70.0.2:6379")),
    );
    expect(remote).toHaveLength(2);
    expect((remote[0]!.envs as string[]).find((e) => e.startsWith("DATABASE_URL="))).toBe(
      `DATABASE_URL=${SECRET_VALUES["agency:databaseUrl"]}`,
    );
  });

  it("when worker servers are larger than the main one, then their worker is planned with their own memory", () => {
    const servers = resources.filter((r) => r.type === "hcloud:index/server:Server").map(inputs);
    expect(servers.filter((s) => String(s.serverType) === "cx43")).toHaveLength(2);
    const workers = resources
      .filter((r) => r.type === "docker:index/container:Container")
      .map(inputs)
      .filter((c) => c.name === "agency-worker");
    expect(workers.map((w) => w.memory).sort()).toContain(16384 - 640);
  });

  it("must not send Redis or Qdrant traffic between servers in the clear", () => {
    const containers = resources.filter((r) => r.type === "docker:index/container:Container").map(inputs);
    const gateway = containers.find((c) => c.name === "agency-private-gateway")!;
    const command = (gateway.command as string[]).join(" ");
    expect(command).toContain("OPENSSL-LISTEN:6379");
    expect(command).toContain("OPENSSL-LISTEN:6333");
    expect(command).not.toContain("TCP-LISTEN");
    const remote = containers.filter(
      (c) => c.name === "agency-worker" && (c.envs as string[]).some((e) => e.includes("10.70.0.2")),
    );
    expect(remote).toHaveLength(2);
    for (const w of remote) {
      const env = w.envs as string[];
      expect(env.find((e) => e.startsWith("REDIS_URL="))).toMatch(
        /^REDIS_URL=rediss:\/\/:.+@10\.70\.0\.2:6379$/,
      );
      expect(env).toContain("QDRANT_URL=https://10.70.0.2:6333");
      expect(env).toContain("NODE_EXTRA_CA_CERTS=/run/agency/tls/private-ca.crt");
      expect((w.volumes as { containerPath: string }[]).map((v) => v.containerPath)).toContain(
        "/run/agency/tls/private-ca.crt",
      );
    }
    // The gateway's certificate is for the main server's private address, signed by the stack's CA.
    const request = resources.find((r) => r.type === "tls:index/certRequest:CertRequest")!;
    expect(inputs(request).ipAddresses).toEqual(["10.70.0.2"]);
  });

  it("must keep the gateway's private key a secret wherever it goes", () => {
    const key = "MOCK-agency-worker-tls-gateway-key";
    const leaks = resources.filter((r) => {
      const strip = (v: unknown): unknown =>
        Array.isArray(v)
          ? v.map(strip)
          : v && typeof v === "object"
            ? SECRET_SIG_KEY in (v as object)
              ? null
              : Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, strip(x)]))
            : v;
      return JSON.stringify(strip(r.inputs)).includes(key);
    });
    expect(leaks.map((r) => r.name)).toEqual([]);
    // And it does reach the gateway, through the secret-files command.
    const delivery = resources.find((r) => r.name === "agency-secret-files")!;
    expect(JSON.stringify(delivery.inputs)).toContain(SECRET_SIG_KEY);
  });

  it("when the private subnet is created, then it sits in the network zone of the configured location", () => {
    const subnet = resources.find((r) => r.type === "hcloud:index/networkSubnet:NetworkSubnet")!;
    expect(inputs(subnet).networkZone).toBe("eu-central");
  });

  it("must require Qdrant's API key of every client, including the remote workers", () => {
    const containers = resources.filter((r) => r.type === "docker:index/container:Container").map(inputs);
    const env = (c: Record<string, unknown>) => c.envs as string[];
    const qdrant = containers.find((c) => c.name === "agency-qdrant")!;
    expect(env(qdrant)).toContain(`QDRANT__SERVICE__API_KEY=${SECRET_VALUES["agency:qdrantApiKey"]}`);
    const clients = containers.filter((c) =>
      ["agency-worker", "agency-orchestrator-1", "agency-orchestrator-2"].includes(String(c.name)),
    );
    // The main server's worker and two API replicas, and the two worker servers' workers.
    expect(clients).toHaveLength(5);
    for (const c of clients)
      expect(env(c)).toContain(`QDRANT_API_KEY=${SECRET_VALUES["agency:qdrantApiKey"]}`);
  });

  it("must keep Redis on the internal network and publish it only on the private address, through the gateway", async () => {
    const containers = resources.filter((r) => r.type === "docker:index/container:Container").map(inputs);
    const redis = containers.find((c) => c.name === "agency-redis")!;
    expect(redis.ports ?? []).toEqual([]);
    const gateway = containers.find((c) => c.name === "agency-private-gateway")!;
    expect((gateway.ports as { ip: string }[]).map((p) => p.ip)).toEqual(["10.70.0.2", "10.70.0.2"]);
    const found: string[] = [];
    const props = resources.map((r) => ({
      type: r.type,
      props: inputs(r),
      urn: r.name,
      name: r.name,
      opts: {},
    }));
    for (const policy of policies) {
      if ("validateResource" in policy)
        for (const p of props)
          await (policy.validateResource as (a: unknown, r: (m: string) => void) => void)(p, (m) =>
            found.push(m),
          );
      else
        await (
          (policy as { validateStack: unknown }).validateStack as (a: unknown, r: (m: string) => void) => void
        )({ resources: props }, (m) => found.push(m));
    }
    expect(found).toEqual([]);
  });
});

describe("images", () => {
  const images = async (extra: Record<string, string>) => {
    recorded.length = 0;
    useConfig({ ...PROD_CONFIG, ...extra });
    const cfg = loadConfig();
    defineAgency(cfg);
    return (await settle()).filter((r) => r.type === "docker:index/remoteImage:RemoteImage").map(inputs);
  };

  it("when no image is configured, then orchestrator and frontend are built on the server from services/ Dockerfiles", async () => {
    const built = (await images({})).filter((i) => i.build);
    expect(
      built.map((i) => [i.name, (i.build as { dockerfile: string; context: string }).dockerfile]).sort(),
    ).toEqual([
      [`agency/frontend:${buildHashes().frontend}`, "services/frontend/Dockerfile"],
      [`agency/orchestrator:${buildHashes().orchestrator}`, "services/orchestrator/Dockerfile"],
    ]);
    expect(built.every((i) => (i.build as { context: string }).context === ".")).toBe(true);
  });

  it("when images are pinned by digest, then they are pulled, not built", async () => {
    const ref = (n: string) => `ghcr.io/acme/${n}@sha256:${"a".repeat(64)}`;
    const all = await images({
      "agency:orchestratorImage": ref("orchestrator"),
      "agency:frontendImage": ref("frontend"),
    });
    expect(all.filter((i) => i.build)).toEqual([]);
    expect(all.map((i) => i.name)).toEqual(expect.arrayContaining([ref("orchestrator"), ref("frontend")]));
  });
});

describe("another DNS provider", () => {
  it("when dnsProvider is none, then no Cloudflare record is created and the outputs list the records to create", async () => {
    recorded.length = 0;
    const config = { ...PROD_CONFIG, "agency:dnsProvider": "none" };
    delete (config as Record<string, string>)["agency:cloudflareZoneId"];
    const secrets = { ...SECRET_VALUES };
    delete secrets["cloudflare:apiToken"];
    useConfig(config, secrets);
    const cfg = loadConfig();
    const outputs = defineAgency(cfg);
    const resources = await settle();
    expect(resources.filter((r) => r.type.startsWith("cloudflare:"))).toEqual([]);
    const records = await new Promise<string[]>((r) => outputs.dnsRecords.apply(r));
    expect(records).toContain("agency.example.com. 300 IN A 203.0.113.10");
    expect(records).toHaveLength(4);
  });
});

describe("without Sentry", () => {
  it("when agency:sentryDsn is not set, then the stack deploys and no container gets SENTRY_DSN", async () => {
    recorded.length = 0;
    const secrets = { ...SECRET_VALUES };
    delete secrets["agency:sentryDsn"];
    useConfig(PROD_CONFIG, secrets);
    const cfg = loadConfig();
    expect(cfg.sentry).toBe(false);
    defineAgency(cfg);
    const containers = (await settle())
      .filter((r) => r.type === "docker:index/container:Container")
      .map(inputs);
    const orchestrator = containers.find((c) => c.name === "agency-orchestrator-1")!;
    expect((orchestrator.envs as string[]).some((e) => e.startsWith("SECRET_KEY="))).toBe(true);
    expect(containers.flatMap((c) => c.envs as string[]).filter((e) => e.startsWith("SENTRY_DSN="))).toEqual(
      [],
    );
  });
});

describe("config read through Pulumi", () => {
  it("when a secret is missing from the stack, then loading refuses with the command that sets it", () => {
    const secrets = { ...SECRET_VALUES };
    delete secrets["agency:resendApiKey"];
    useConfig(PROD_CONFIG, secrets);
    expect(() => loadConfig()).toThrow(ConfigError);
    expect(() => loadConfig()).toThrow(/pulumi config set --secret agency:resendApiKey <value>/);
  });
});
