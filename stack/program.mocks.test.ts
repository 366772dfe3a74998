/**
 * The real program under Pulumi mocks (stack/testing/mocks.ts): no Hetzner, Cloudflare or Docker
 * is contacted; resources are recorded with their inputs and asserted on.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import {
  PROD_CONFIG,
  SECRET_SIG_KEY,
  SECRET_VALUES,
  plain,
  recorded,
  registrations,
  setAgencyMocks,
  settle,
  useConfig,
  type Recorded,
} from "./testing/mocks.ts";

setAgencyMocks("prod");

const { loadConfig } = await import("./config.ts");
const { defineAgency, imageSourceHashes, plan } = await import("./program.ts");
const { REPO_ROOT } = await import("./delivery.ts");
const { readBackDiffs } = await import("./testing/readback.ts");

type Container = {
  name: string;
  networks: string[];
  ports: { internal: number; external: number; ip?: string }[];
  inputs: Record<string, unknown>;
};

async function run(
  config: Record<string, string>,
): Promise<{ resources: Recorded[]; outputs: ReturnType<typeof defineAgency> }> {
  recorded.length = 0;
  useConfig(config);
  const cfg = loadConfig();
  const outputs = defineAgency(cfg);
  return { resources: await settle(), outputs };
}

const byType = (rs: Recorded[], type: string) => rs.filter((r) => r.type === type);
const containers = (rs: Recorded[]): Container[] =>
  byType(rs, "docker:index/container:Container").map((r) => {
    const inputs = plain(r.inputs) as Record<string, unknown>;
    return {
      name: String(inputs.name).replace(/^agency-/, ""),
      networks: ((inputs.networksAdvanced as { name: string }[]) ?? []).map((n) => n.name).sort(),
      ports: (inputs.ports as Container["ports"]) ?? [],
      inputs,
    };
  });

describe("the production stack", () => {
  let resources: Recorded[];
  let outputs: ReturnType<typeof defineAgency>;
  beforeAll(async () => {
    ({ resources, outputs } = await run(PROD_CONFIG));
  });

  it("when deployed, then it creates one server, one firewall, DNS, networks, volumes and every container", () => {
    const count = (t: string) => byType(resources, t).length;
    expect(count("hcloud:index/server:Server")).toBe(1);
    expect(count("hcloud:index/firewall:Firewall")).toBe(1);
    expect(count("hcloud:index/sshKey:SshKey")).toBe(1);
    expect(count("cloudflare:index/dnsRecord:DnsRecord")).toBe(4);
    expect(count("docker:index/network:Network")).toBe(3);
    expect(
      containers(resources)
        .map((c) => c.name)
        .sort(),
    ).toEqual(
      [
        "alertmanager",
        "blackbox-exporter",
        "caddy",
        "frontend-1",
        "frontend-2",
        "grafana",
        "n8n",
        "node-exporter",
        "orchestrator-1",
        "orchestrator-2",
        "postgres",
        "postgres-exporter",
        "prometheus",
        "qdrant",
        "redis",
        "redis-exporter",
        "worker",
      ].sort(),
    );
    const volumes = byType(resources, "docker:index/volume:Volume").map(
      (r) => (plain(r.inputs) as { name: string }).name,
    );
    expect(volumes).toEqual(
      expect.arrayContaining([
        "postgres-data",
        "redis-data",
        "qdrant-storage",
        "n8n-data",
        "caddy-data",
        "grafana-data",
        "prometheus-data",
        "alertmanager-data",
      ]),
    );
    console.log(`prod stack: ${resources.length} resources registered (plus the stack itself)`);
  });

  it("must not open anything but 22, 80 and 443, and 22 only to the configured ranges", () => {
    const [fw] = byType(resources, "hcloud:index/firewall:Firewall");
    const rules = (
      plain(fw!.inputs) as {
        rules: { port: string; protocol: string; sourceIps: string[]; direction: string }[];
      }
    ).rules;
    expect(rules.every((r) => r.direction === "in")).toBe(true);
    expect([...new Set(rules.map((r) => r.port))].sort()).toEqual(["22", "443", "80"]);
    expect(rules.find((r) => r.port === "22")!.sourceIps).toEqual(["203.0.113.0/24"]);
  });

  it("when containers are created, then only caddy publishes ports, and only 80 and 443", () => {
    const publishing = containers(resources).filter((c) => c.ports.length > 0);
    expect(publishing.map((c) => c.name)).toEqual(["caddy"]);
    expect([...new Set(publishing[0]!.ports.map((p) => p.external))].sort()).toEqual([443, 80]);
  });

  it("when containers join networks, then Redis, Qdrant and Postgres sit on the internal backend only", () => {
    const nets = Object.fromEntries(containers(resources).map((c) => [c.name, c.networks]));
    for (const s of ["redis", "qdrant", "postgres"]) expect(nets[s]).toEqual(["backend"]);
    expect(nets.caddy).toEqual(["edge", "observability"]);
    expect(nets.prometheus).toEqual(["observability"]);
    const backend = byType(resources, "docker:index/network:Network").map(
      (r) => plain(r.inputs) as { name: string; internal: boolean },
    );
    expect(backend.find((n) => n.name === "backend")!.internal).toBe(true);
  });

  it("must run no container privileged, with the Docker socket, or without a memory limit and health check", () => {
    for (const c of containers(resources)) {
      expect(c.inputs.privileged, c.name).toBe(false);
      const mounts = JSON.stringify(c.inputs.volumes ?? []);
      expect(mounts, c.name).not.toContain("docker.sock");
      expect(c.inputs.memory, c.name).toBeGreaterThan(0);
      expect((c.inputs.healthcheck as { tests: string[] }).tests[0], c.name).toBe("CMD-SHELL");
      expect(c.inputs.restart, c.name).toBe("unless-stopped");
    }
    const total = containers(resources).reduce((sum, c) => sum + Number(c.inputs.memory), 0);
    expect(total).toBeLessThanOrEqual(8192 - 640);
  });

  it("when an app container stops, then Docker waits past the app's 30 s drain (120 s for the worker) before killing it", () => {
    const grace = Object.fromEntries(
      containers(resources).map((c) => [c.name, [c.inputs.stopTimeout, c.inputs.destroyGraceSeconds]]),
    );
    for (const n of ["orchestrator-1", "orchestrator-2", "frontend-1", "frontend-2"])
      expect(grace[n], n).toEqual([40, 40]);
    expect(grace.worker).toEqual([120, 120]);
  });

  it("when images are built on the server, then each is tagged by the hash of its own build context", () => {
    const images = byType(resources, "docker:index/remoteImage:RemoteImage").map(
      (r) => plain(r.inputs) as { name: string; build?: { dockerfile: string; memory: number } },
    );
    const hashes = imageSourceHashes();
    const built = Object.fromEntries(images.filter((i) => i.build).map((i) => [i.build!.dockerfile, i.name]));
    expect(built).toEqual({
      "services/orchestrator/Dockerfile": `agency/orchestrator:${hashes.orchestrator}`,
      "services/frontend/Dockerfile": `agency/frontend:${hashes.frontend}`,
    });
    expect(hashes.orchestrator).not.toBe(hashes.frontend);
    for (const i of images.filter((x) => x.build)) expect(i.build!.memory, i.name).toBe(1536 * 1024 * 1024);
    expect(outputs.release).toBe(`${hashes.orchestrator}-${hashes.frontend}`);
  });

  it("when the provider reads the resources back, then nothing differs from what was sent (a second up is a no-op)", () => {
    const diffs = resources.flatMap((r) =>
      readBackDiffs(r.type, plain(r.inputs) as Record<string, unknown>).map((d) => ({ name: r.name, ...d })),
    );
    expect(diffs).toEqual([]);
  });

  it("when a duration or a network is written in another spelling than the provider reads back, then it is caught", () => {
    expect(
      readBackDiffs("docker:index/container:Container", {
        healthcheck: { interval: "30s", startPeriod: "60s" },
      }),
    ).toEqual([{ field: "healthcheck.startPeriod", sent: "60s", readBack: "1m0s" }]);
    expect(
      readBackDiffs("docker:index/network:Network", { ipamConfigs: [{ subnet: "172.28.1.0/24" }] }),
    ).toEqual([{ field: "ipamConfigs[0].gateway", sent: undefined, readBack: "172.28.1.1" }]);
  });

  it("when a replica is replaced, then the next one waits for it to be healthy", () => {
    for (const c of containers(resources)) {
      expect(c.inputs.wait, c.name).toBe(true);
      expect(c.inputs.waitTimeout, c.name).toBeGreaterThanOrEqual(120);
    }
    // The mocks do not see dependsOn; the definitions the containers are made from carry it.
    const defs = Object.fromEntries(plan(loadConfig()).services.map((d) => [d.name, d.dependsOn]));
    expect(defs["orchestrator-2"]).toContain("orchestrator-1");
    expect(defs["frontend-2"]).toContain("frontend-1");
    expect(defs["orchestrator-1"]).not.toContain("orchestrator-2");
    expect(defs["frontend-1"]).toEqual(expect.arrayContaining(["orchestrator-1", "orchestrator-2"]));
    const aliases = (name: string) =>
      (
        containers(resources).find((c) => c.name === name)!.inputs.networksAdvanced as { aliases: string[] }[]
      )[0]!.aliases;
    expect(aliases("orchestrator-2")).toEqual(["orchestrator-2", "orchestrator"]);
  });

  it("must never carry a secret value outside a Pulumi secret", () => {
    const leaks: string[] = [];
    const walk = (value: unknown, where: string) => {
      if (typeof value === "string") {
        for (const secret of Object.values(SECRET_VALUES)) if (value.includes(secret)) leaks.push(where);
      } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${where}[${i}]`));
      else if (value && typeof value === "object") {
        if (SECRET_SIG_KEY in value) return; // inside a secret: fine
        for (const [k, v] of Object.entries(value)) walk(v, `${where}.${k}`);
      }
    };
    for (const r of resources) walk(r.inputs, `${r.type} ${r.name}`);
    expect(leaks).toEqual([]);
    const orchestrator = byType(resources, "docker:index/container:Container").find((r) =>
      r.name.endsWith("-orchestrator-1"),
    )!;
    expect(SECRET_SIG_KEY in (orchestrator.inputs.envs as object)).toBe(true);
    expect(JSON.stringify(plain(orchestrator.inputs.envs))).toContain(
      `SECRET_KEY=${SECRET_VALUES["agency:secretKey"]}`,
    );
    const envOf = (service: string) => {
      const c = byType(resources, "docker:index/container:Container").find((r) =>
        r.name.endsWith(`-${service}`),
      )!;
      expect(SECRET_SIG_KEY in (c.inputs.envs as object), service).toBe(true);
      return plain(c.inputs.envs) as string[];
    };
    for (const service of ["orchestrator-1", "orchestrator-2", "worker"])
      expect(envOf(service)).toContain(`SENTRY_DSN=${SECRET_VALUES["agency:sentryDsn"]}`);
    expect(envOf("n8n")).toEqual(
      expect.arrayContaining([
        `N8N_AGENCY_WEBHOOK_SECRET=${SECRET_VALUES["agency:automationWebhookSecret"]}`,
        `N8N_ALERT_WEBHOOK_TOKEN=${SECRET_VALUES["agency:alertmanagerToken"]}`,
        `N8N_AGENCY_ADMIN_TOKEN=${SECRET_VALUES["agency:agencyAdminToken"]}`,
        `N8N_CMS_WEBHOOK_SECRET=${SECRET_VALUES["agency:cmsWebhookSecret"]}`,
        "N8N_BLOCK_ENV_ACCESS_IN_NODE=false",
      ]),
    );
    // Nothing outside the orchestrator, the worker and the portal holds SECRET_KEY.
    for (const c of byType(resources, "docker:index/container:Container")) {
      const holds = ((plain(c.inputs.envs) as string[] | undefined) ?? []).some((e) =>
        e.endsWith(`=${SECRET_VALUES["agency:secretKey"]}`),
      );
      expect(holds, c.name).toBe(/-(orchestrator|worker|frontend)(-\d+)?$/.test(c.name));
    }
    expect(envOf("orchestrator-1")).toEqual(
      expect.arrayContaining([
        `CMS_WEBHOOK_SECRET=${SECRET_VALUES["agency:cmsWebhookSecret"]}`,
        `ALERTMANAGER_TOKEN=${SECRET_VALUES["agency:alertmanagerToken"]}`,
        `AUTOMATION_WEBHOOK_SECRET=${SECRET_VALUES["agency:automationWebhookSecret"]}`,
        `SECRET_KEY_PREVIOUS=${SECRET_VALUES["agency:secretKeyPrevious"]}`,
      ]),
    );
  });

  it("when outputs are read, then they give the URLs, the IP, an SSH command and where the basic-auth users are", async () => {
    const value = <T>(o: { apply: (f: (v: T) => void) => unknown }) => new Promise<T>((r) => o.apply(r));
    expect(outputs.urls).toEqual({
      agency: "https://agency.example.com",
      api: "https://api.example.com",
      automations: "https://automations.example.com",
      grafana: "https://grafana.example.com",
    });
    expect(await value(outputs.serverIp)).toBe("203.0.113.10");
    expect(await value(outputs.ssh)).toBe("ssh root@203.0.113.10");
    expect(outputs.basicAuth.user).toBe("admin");
    expect(outputs.basicAuth.passwords).toContain("agency:automationsPasswordHash");
    expect(outputs.deleteProtection).toBe(true);
  });

  it("when compared with docker-compose.yml, then both run the same containers on the same networks, ports, users and mounts", () => {
    const compose = parse(readFileSync(path.join(REPO_ROOT, "docker-compose.yml"), "utf8")) as {
      services: Record<
        string,
        {
          networks: string[] | Record<string, unknown>;
          ports?: string[];
          user?: string;
          read_only: boolean;
          environment?: Record<string, string>;
          volumes?: string[];
        }
      >;
    };
    const fromPulumi = containers(resources).map((c) => ({
      name: c.name,
      networks: c.networks,
      ports: c.ports.map((p) => `${p.external}:${p.internal}`).sort(),
      user: c.inputs.user ?? null,
      readOnly: c.inputs.readOnly,
      env: ((c.inputs.envs as string[]) ?? []).map((e) => e.split("=")[0]).sort(),
      targets: ((c.inputs.volumes as { containerPath: string }[]) ?? []).map((v) => v.containerPath).sort(),
    }));
    const fromCompose = Object.entries(compose.services).map(([name, s]) => ({
      name,
      networks: (Array.isArray(s.networks) ? [...s.networks] : Object.keys(s.networks)).sort(),
      ports: (s.ports ?? []).map((p) => p.replace(/\/udp$/, "")).sort(),
      user: s.user ?? null,
      readOnly: s.read_only,
      env: Object.keys(s.environment ?? {}).sort(),
      targets: [
        ...(s.volumes ?? []).map((v) => v.replace(/:ro$/, "").split(":").pop()!),
        ...((s as { secrets?: { target: string }[] }).secrets ?? []).map((x) => x.target),
      ].sort(),
    }));
    const sort = (xs: { name: string }[]) => [...xs].sort((a, b) => a.name.localeCompare(b.name));
    expect(sort(fromPulumi)).toEqual(sort(fromCompose));
  });
});

describe("mounted repository files", () => {
  it("when any stack is planned, then every file a container mounts is read from the repository itself", () => {
    const variants: Record<string, string>[] = [
      {},
      { "agency:preview": "pr-12" },
      { "agency:grafana": "false" },
    ];
    for (const extra of variants) {
      useConfig({ ...PROD_CONFIG, ...extra });
      const p = plan(loadConfig());
      const mounted = p.services.flatMap((s) => s.files.map((f) => f.source));
      for (const source of mounted.filter((s) => s !== "services/automation/workflows"))
        expect(existsSync(path.join(REPO_ROOT, source)), source).toBe(true);
      for (const f of p.files.filter((f) => !f.path.includes("/generated/")))
        expect(f.content).toBe(
          readFileSync(path.join(REPO_ROOT, f.path.replace("/opt/agency/", "")), "utf8"),
        );
    }
  });
});

describe("image source hashes", () => {
  it("when only the portal changes, then only the frontend image's hash changes", () => {
    const root = mkdtempSync(path.join(tmpdir(), "agency-sources-"));
    const put = (rel: string, text: string) => {
      mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      writeFileSync(path.join(root, rel), text);
      execFileSync("git", ["-C", root, "add", rel]);
    };
    execFileSync("git", ["init", "-q", root]);
    for (const rel of ["package.json", "package-lock.json", "agents/package.json", "stack/package.json"])
      put(rel, "{}");
    put("agents/src/index.ts", "export {};");
    put("services/orchestrator/src/server.ts", "export {};");
    put("services/frontend/src/app.html", "<html></html>");
    const before = imageSourceHashes(root);
    put("services/frontend/src/app.html", "<html><body></body></html>");
    const afterPortal = imageSourceHashes(root);
    expect(afterPortal.orchestrator).toBe(before.orchestrator);
    expect(afterPortal.frontend).not.toBe(before.frontend);
    put("agents/src/index.ts", "export const x = 1;");
    const afterAgents = imageSourceHashes(root);
    expect(afterAgents.orchestrator).not.toBe(afterPortal.orchestrator);
    expect(afterAgents.frontend).toBe(afterPortal.frontend);
  });
});

describe("names and dependencies a live stack relies on", () => {
  let resources: Recorded[];
  beforeAll(async () => {
    ({ resources } = await run(PROD_CONFIG));
  });
  const urnOf = (type: string, name: string) =>
    [...registrations.keys()].includes(`${type}::${name}`) ? `${type}::${name}` : undefined;

  it("must keep the logical names of the deployed resources (a renamed one would be replaced)", () => {
    const names = resources.map((r) => `${r.type}::${r.name}`);
    expect(names).toEqual(
      expect.arrayContaining([
        "hcloud:index/server:Server::agency-server",
        "hcloud:index/firewall:Firewall::agency-firewall",
        "tls:index/privateKey:PrivateKey::agency-host-key",
        "command:remote:Command::agency-cloud-init",
        "command:remote:Command::agency-access",
        "pulumi:providers:docker::agency-docker",
        "docker:index/network:Network::agency-edge",
        "docker:index/network:Network::agency-backend",
        "docker:index/volume:Volume::agency-postgres-data",
        "docker:index/volume:Volume::agency-caddy-data",
        "docker:index/remoteImage:RemoteImage::agency-image-orchestrator",
        "docker:index/container:Container::agency-caddy",
        "docker:index/container:Container::agency-orchestrator-1",
        "docker:index/container:Container::agency-postgres",
        "command:remote:Command::agency-files",
        "command:remote:Command::agency-secret-files",
        "command:remote:Command::agency-env",
        "command:remote:Command::agency-timer",
        "cloudflare:index/dnsRecord:DnsRecord::agency-api",
      ]),
    );
    // And the Docker names the runbook uses: containers agency-<name>, networks and volumes as created.
    const dockerName = (type: string, name: string) =>
      (plain(resources.find((r) => r.type === type && r.name === name)!.inputs) as { name: string }).name;
    expect(dockerName("docker:index/container:Container", "agency-caddy")).toBe("agency-caddy");
    expect(dockerName("docker:index/network:Network", "agency-edge")).toBe("edge");
    expect(dockerName("docker:index/volume:Volume", "agency-postgres-data")).toBe("postgres-data");
  });

  it("when anything connects to the server, then it waits for cloud-init and the access command by an explicit dependency", () => {
    const ready = [
      "urn:pulumi:prod::agency::agency:stack:Host$command:remote:Command::agency-cloud-init",
      "urn:pulumi:prod::agency::agency:stack:Host$command:remote:Command::agency-access",
    ];
    for (const [type, name] of [
      ["pulumi:providers:docker", "agency-docker"],
      ["command:remote:Command", "agency-files"],
      ["command:remote:Command", "agency-secret-files"],
      ["command:remote:Command", "agency-env"],
      ["command:remote:Command", "agency-timer"],
      ["command:remote:Command", "agency-prune-images"],
    ] as const) {
      expect(urnOf(type, name), name).toBeDefined();
      expect(registrations.get(`${type}::${name}`)!.dependencies, name).toEqual(
        expect.arrayContaining(ready),
      );
    }
    // The address itself no longer carries the wait: it is the server's, as Hetzner reports it.
    const files = plain(resources.find((r) => r.name === "agency-files")!.inputs) as {
      connection: { host: string };
    };
    expect(files.connection.host).toBe("203.0.113.10");
  });

  it("when the backups are set up, then the env file names the containers Services deployed", () => {
    const env = resources.find((r) => r.name === "agency-env")!;
    const [, encoded] = /<<'AGENCY_EOF'\n(.*)\nAGENCY_EOF/.exec(String(plain(env.inputs.stdin)))!;
    const script = Buffer.from(encoded!, "base64").toString("utf8");
    expect(script).toContain("REDIS_CONTAINER='agency-redis'");
    expect(script).toContain("POSTGRES_CONTAINER='agency-postgres'");
  });
});
