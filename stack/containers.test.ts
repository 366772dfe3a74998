import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { composeConfig, renderCompose } from "./compose.ts";
import { REPO_ROOT } from "./delivery.ts";
import { dnsRecords } from "./components/dns.ts";
import { plainEnv, requiredSecrets, secretEnv } from "./components/services.ts";
import { remoteWorkerDefinition } from "./components/workers.ts";
import { dockerfileEnv, imageEnv } from "./images.ts";
import {
  IMAGES,
  IMAGE_MEMORY_ENV,
  OLD_SPACE_SHARE,
  OS_RESERVE_MB,
  appEnv,
  memoryLimitMb,
  checkMemoryBudget,
  fillSecrets,
  secretEnvVar,
  serviceDefinitions,
  type ServiceDefinition,
} from "./containers.ts";

const cfg = composeConfig();
const WORKFLOWS = path.join(REPO_ROOT, "services/automation/workflows");
/** Variables the flows read that the stack leaves unset on purpose: the flows' defaults apply. */
const FLOW_DEFAULTS = [
  "N8N_AGENCY_WEBHOOK_TOLERANCE_SECONDS",
  "N8N_WARMUP_WAIT_1_SECONDS",
  "N8N_WARMUP_WAIT_2_SECONDS",
  "N8N_ALERT_WEBHOOK_URL",
];
/** A container by its name or, for replicated services, the first replica of the service. */
const byName = (defs: ServiceDefinition[], name: string) =>
  defs.find((d) => d.name === name) ?? defs.find((d) => d.service === name)!;
const sharesNetwork = (a: ServiceDefinition, b: ServiceDefinition) =>
  a.networks.some((n) => b.networks.includes(n));

describe("service definitions", () => {
  it("when docker-compose.yml is read, then it is exactly what the definitions render", () => {
    expect(readFileSync(path.join(REPO_ROOT, "docker-compose.yml"), "utf8")).toBe(renderCompose());
  });

  it("must give every container a health check, a memory limit and a read-only root, and keep limits within the server", () => {
    for (const memory of [4096, 8192, 16384]) {
      const defs = serviceDefinitions({ ...cfg, serverMemoryMb: memory });
      for (const d of defs) {
        expect(d.healthcheck.test[0], d.name).toBe("CMD-SHELL");
        expect(d.memoryMb, d.name).toBeGreaterThanOrEqual(32);
        expect(d.readOnly, d.name).toBe(true);
      }
      expect(defs.reduce((s, d) => s + d.memoryMb, 0)).toBeLessThanOrEqual(memory - OS_RESERVE_MB);
      expect(() => checkMemoryBudget(defs, memory)).not.toThrow();
    }
  });

  it("when compose stops the app, then it grants the same grace as the stack (40 s, the worker 120 s)", () => {
    const compose = parse(renderCompose()) as { services: Record<string, { stop_grace_period?: string }> };
    for (const n of ["orchestrator-1", "orchestrator-2", "frontend-1", "frontend-2"])
      expect(compose.services[n]!.stop_grace_period, n).toBe("40s");
    expect(compose.services.worker!.stop_grace_period).toBe("120s");
    expect(compose.services.redis!.stop_grace_period).toBeUndefined();
  });

  it("when an image is built here, then it runs on Node 22 (Node 20 is end of life)", () => {
    const images = {
      // The worker's MP4 needs Debian's ffmpeg, espeak-ng and fonts, as the tests use.
      "services/orchestrator/Dockerfile": "FROM node:22-bookworm-slim",
      "services/frontend/Dockerfile": "FROM node:22-alpine",
    };
    for (const [file, base] of Object.entries(images)) {
      const froms = readFileSync(path.join(REPO_ROOT, file), "utf8").match(/^FROM \S+/gm) ?? [];
      expect(froms.length, file).toBeGreaterThan(0);
      for (const from of froms) expect(from, file).toBe(base);
    }
  });

  it("when an image is built here, then its Dockerfile sets the memory settings the stack starts from", () => {
    for (const image of ["orchestrator", "frontend"] as const) {
      expect(imageEnv(image), image).toMatchObject(IMAGE_MEMORY_ENV[image]);
    }
    // glibc's (Debian) only: the portal's Alpine image has musl, which reads no MALLOC_ARENA_MAX.
    expect(IMAGE_MEMORY_ENV.orchestrator.MALLOC_ARENA_MAX).toBe("2");
    expect(imageEnv("frontend").MALLOC_ARENA_MAX).toBeUndefined();
  });

  it("must size the V8 heap of each of our Node.js containers to its own memory limit, replicas and worker servers too", () => {
    for (const memory of [4096, 8192]) {
      const defs = serviceDefinitions({ ...cfg, serverMemoryMb: memory });
      const ours = defs.filter((d) => ["orchestrator", "worker", "frontend"].includes(d.service));
      expect(ours.map((d) => d.name).sort()).toEqual([
        "frontend-1",
        "frontend-2",
        "orchestrator-1",
        "orchestrator-2",
        "worker",
      ]);
      for (const d of ours) {
        const image = d.service === "frontend" ? "frontend" : "orchestrator";
        const oldSpace = Math.floor(d.memoryMb * OLD_SPACE_SHARE);
        expect(d.env.NODE_OPTIONS, d.name).toBe(`--max-semi-space-size=2 --max-old-space-size=${oldSpace}`);
        expect(d.env.MALLOC_ARENA_MAX, d.name).toBe(IMAGE_MEMORY_ENV[image].MALLOC_ARENA_MAX);
        // Room beside the old generation for code, native memory and the worker's esbuild service.
        expect(d.memoryMb - oldSpace, d.name).toBeGreaterThanOrEqual(55);
      }
      // A replica's heap follows its half of the service's memory, not the whole.
      expect(byName(defs, "orchestrator-1").memoryMb).toBe(
        Math.floor(memoryLimitMb("orchestrator", memory) / 2),
      );
      for (const d of defs.filter((x) => !ours.includes(x)))
        expect(d.env.NODE_OPTIONS, d.name).toBeUndefined();
    }
    const remote = remoteWorkerDefinition(cfg, 8192);
    expect(remote.env.NODE_OPTIONS).toBe(
      `--max-semi-space-size=2 --max-old-space-size=${Math.floor(remote.memoryMb * OLD_SPACE_SHARE)}`,
    );
  });

  it("when a Dockerfile's env is read, then only its last stage counts, quoted and continued values included", () => {
    const dockerfile = [
      "FROM node:22 AS build",
      "ENV BUILD_ONLY=1",
      "FROM node:22",
      'ENV NODE_ENV=production NODE_OPTIONS="--a=1 --b" \\',
      '    QUOTE="say \\"hi\\""',
      "# ENV COMMENTED=1",
      "ENV EMPTY=",
    ].join("\n");
    expect(dockerfileEnv(dockerfile)).toEqual({
      NODE_ENV: "production",
      NODE_OPTIONS: "--a=1 --b",
      QUOTE: 'say "hi"',
      EMPTY: "",
    });
    expect(() => dockerfileEnv("FROM node:22\nENV LEGACY value\n")).toThrow(/ENV KEY=value/);
  });

  it("when the worker image is built, then it carries what the narrated explainer MP4 needs", () => {
    const dockerfile = readFileSync(path.join(REPO_ROOT, "services/orchestrator/Dockerfile"), "utf8");
    for (const pkg of ["ffmpeg", "espeak-ng", "fonts-dejavu-core"]) expect(dockerfile).toContain(pkg);
  });

  it("when limits exceed the server, then the budget check names the numbers", () => {
    expect(() => checkMemoryBudget([{ name: "a", memoryMb: 4000 }], 4096)).toThrow(
      /add up to 4000 MB, more than the 3456 MB/,
    );
  });

  it("must run every container but caddy as a non-root user, and say why caddy is root", () => {
    const defs = serviceDefinitions(cfg);
    expect(defs.filter((d) => !d.user).map((d) => d.name)).toEqual(["caddy"]);
    expect(defs.find((d) => d.name === "caddy")!.rootReason).toBeTruthy();
    expect(defs.find((d) => d.name === "caddy")!.capAdd).toEqual(["NET_BIND_SERVICE"]);
  });

  it("when a container's env is built, then plain and secret halves stay apart", () => {
    const orchestrator = byName(serviceDefinitions({ ...cfg, database: "container" }), "orchestrator");
    expect(plainEnv(orchestrator).join("\n")).not.toMatch(/PASSWORD|SECRET_KEY=|API_KEY=/);
    expect(requiredSecrets(orchestrator)).toEqual(
      expect.arrayContaining([
        "postgresPassword",
        "redisPassword",
        "secretKey",
        "agencyAdminToken",
        "openaiApiKey",
        "anthropicApiKey",
      ]),
    );
    expect(secretEnv(orchestrator, { postgresPassword: "pw", redisPassword: "rp" })).toEqual(
      expect.arrayContaining([
        "DATABASE_URL=postgres://agency:pw@postgres:5432/agency",
        "REDIS_URL=redis://:rp@redis:6379",
      ]),
    );
  });

  it("when secrets are named for compose, then they become screaming snake case", () => {
    expect(secretEnvVar("openaiApiKey")).toBe("OPENAI_API_KEY");
    expect(secretEnvVar("s3SecretAccessKey")).toBe("S3_SECRET_ACCESS_KEY");
    expect(fillSecrets("a:{{secretKey}}:b", (n) => `<${n}>`)).toBe("a:<secretKey>:b");
  });

  it("when DNS records are listed, then Grafana's appears only when enabled and DNS-only records get a real TTL", () => {
    const hosts = {
      agency: "agency.example.com",
      api: "api.example.com",
      automations: "automations.example.com",
    };
    expect(dnsRecords(hosts, false)).toEqual([
      { name: "agency.example.com", type: "A", ttl: 300, proxied: false },
      { name: "api.example.com", type: "A", ttl: 300, proxied: false },
      { name: "automations.example.com", type: "A", ttl: 300, proxied: false },
    ]);
    expect(
      dnsRecords({ ...hosts, grafana: "grafana.example.com" }, true).map((r) => [r.name, r.ttl]),
    ).toContainEqual(["grafana.example.com", 1]);
  });

  it("when n8n is defined, then it runs the n8n version the flows are tested against and activates them on start", () => {
    const runtime = JSON.parse(
      readFileSync(path.join(REPO_ROOT, "services/automation/n8n-runtime/package.json"), "utf8"),
    ) as { dependencies: { n8n: string } };
    const n8n = byName(serviceDefinitions(cfg), "n8n");
    expect(n8n.image.ref).toBe(`n8nio/n8n:${runtime.dependencies.n8n}`);
    expect(IMAGES.n8n).toBe("n8nio/n8n:1.123.81");
    expect(n8n.user).toBe("1000:1000");
    expect(n8n.files).toContainEqual({ source: "services/automation/workflows", target: "/workflows" });
    expect(n8n.command).toEqual([
      "n8n import:workflow --separate --input=/workflows && n8n update:workflow --all --active=true; exec n8n start",
    ]);
  });

  it("when the flows read $env, then the stack sets every variable but those left to the flows' defaults, secrets only as secrets", () => {
    const read = new Set<string>();
    for (const file of readdirSync(WORKFLOWS).filter((f) => f.endsWith(".json"))) {
      for (const m of readFileSync(path.join(WORKFLOWS, file), "utf8").matchAll(/\$env\.(\w+)/g))
        read.add(m[1]!);
    }
    expect(read.size).toBeGreaterThan(5);
    const n8n = byName(serviceDefinitions(cfg), "n8n");
    const set = new Set([...Object.keys(n8n.env), ...Object.keys(n8n.secretEnv)]);
    expect([...read].filter((v) => !set.has(v) && !FLOW_DEFAULTS.includes(v))).toEqual([]);
    for (const unset of FLOW_DEFAULTS) expect(set.has(unset), unset).toBe(false);
    expect(n8n.env).toMatchObject({
      N8N_BLOCK_ENV_ACCESS_IN_NODE: "false",
      NODE_FUNCTION_ALLOW_BUILTIN: "crypto",
      // Through Caddy's internal listener, balanced over the API replicas.
      N8N_AGENCY_API_URL: "http://caddy:5080",
      N8N_HEALTH_ORCHESTRATOR_URL: "http://orchestrator:5001/health",
      N8N_HEALTH_WORKER_URL: "http://worker:9465/health",
      N8N_HEALTH_PORTAL_URL: "http://frontend:3000/",
      N8N_HEALTH_N8N_URL: "http://127.0.0.1:5678/healthz",
    });
    expect(n8n.env).not.toHaveProperty("AGENCY_API_URL");
    expect(n8n.secretEnv).toEqual({
      N8N_ENCRYPTION_KEY: "{{n8nEncryptionKey}}",
      // n8n holds secrets of its own, never SECRET_KEY.
      N8N_AGENCY_WEBHOOK_SECRET: "{{automationWebhookSecret}}",
      N8N_ALERT_WEBHOOK_TOKEN: "{{alertmanagerToken}}",
      N8N_AGENCY_ADMIN_TOKEN: "{{agencyAdminToken}}",
      N8N_CMS_WEBHOOK_SECRET: "{{cmsWebhookSecret}}",
    });
  });

  it("when n8n and the app call each other by name, then each pair shares a network and the state stays internal", () => {
    const defs = serviceDefinitions(cfg);
    const n8n = byName(defs, "n8n");
    const hosts = Object.entries(n8n.env)
      .filter(([k]) => k === "N8N_AGENCY_API_URL" || k.startsWith("N8N_HEALTH_"))
      .map(([, url]) => new URL(url).hostname)
      .filter((h) => h !== "127.0.0.1");
    expect(hosts.sort()).toEqual(["caddy", "frontend", "orchestrator", "worker"]);
    for (const h of hosts) expect(sharesNetwork(n8n, byName(defs, h)), `n8n → ${h}`).toBe(true);
    for (const caller of ["orchestrator", "worker"]) {
      const url = new URL(byName(defs, caller).env.AUTOMATION_WEBHOOK_URL!);
      expect(url.href).toBe("http://n8n:5678/webhook/agency/lead-ready");
      expect(sharesNetwork(byName(defs, caller), byName(defs, url.hostname)), caller).toBe(true);
    }
    expect(n8n.networks).not.toContain("backend");
    for (const s of ["redis", "qdrant", "postgres"]) expect(byName(defs, s).networks).toEqual(["backend"]);
  });

  it("when a platform's posting credentials are set, then the API replicas and the worker get them as secrets, and nothing otherwise", () => {
    const off = appEnv({ ...cfg, posting: [] });
    expect(Object.keys(off.secretEnv).filter((k) => /^(X|LINKEDIN|YOUTUBE|INSTAGRAM)_/.test(k))).toEqual([]);
    const on = { ...cfg, posting: ["xApiKey", "xApiSecret", "xAccessToken", "xAccessSecret"] as const };
    const env = appEnv({ ...on, posting: [...on.posting] });
    expect(env.secretEnv).toMatchObject({ X_API_KEY: "{{xApiKey}}", X_ACCESS_SECRET: "{{xAccessSecret}}" });
    expect(env.env).not.toHaveProperty("X_API_KEY");
    const defs = serviceDefinitions({ ...on, posting: [...on.posting] });
    expect(defs.filter((d) => requiredSecrets(d).includes("xApiKey")).map((d) => d.name)).toEqual([
      "orchestrator-1",
      "orchestrator-2",
      "worker",
    ]);
  });

  it("when Sentry is configured, then orchestrator and worker get SENTRY_DSN as a secret, and nothing otherwise", () => {
    expect(appEnv({ ...cfg, sentry: true }).secretEnv.SENTRY_DSN).toBe("{{sentryDsn}}");
    expect(appEnv({ ...cfg, sentry: true }).env).not.toHaveProperty("SENTRY_DSN");
    expect(appEnv({ ...cfg, sentry: false }).secretEnv).not.toHaveProperty("SENTRY_DSN");
    const off = serviceDefinitions({ ...cfg, sentry: false });
    expect(off.flatMap((d) => requiredSecrets(d))).not.toContain("sentryDsn");
    const on = serviceDefinitions({ ...cfg, sentry: true });
    expect(on.filter((d) => requiredSecrets(d).includes("sentryDsn")).map((d) => d.name)).toEqual([
      "orchestrator-1",
      "orchestrator-2",
      "worker",
    ]);
  });

  it("when a Supabase project is configured, then the app gets its URL in plain env and its key as a secret, and no Postgres container runs", () => {
    const supa = { ...cfg, database: "external" as const, supabase: { url: "https://abcd.supabase.co" } };
    expect(appEnv(supa).env.SUPABASE_URL).toBe("https://abcd.supabase.co");
    expect(appEnv(supa).secretEnv.SUPABASE_SERVICE_KEY).toBe("{{supabaseServiceKey}}");
    expect(appEnv(supa).env).not.toHaveProperty("SUPABASE_SERVICE_KEY");
    expect(appEnv(supa).secretEnv.DATABASE_URL).toBe("{{databaseUrl}}");
    const defs = serviceDefinitions(supa);
    expect(defs.map((d) => d.name)).not.toContain("postgres");
    expect(defs.filter((d) => requiredSecrets(d).includes("supabaseServiceKey")).map((d) => d.name)).toEqual([
      "orchestrator-1",
      "orchestrator-2",
      "worker",
    ]);
    expect(appEnv(cfg).env).not.toHaveProperty("SUPABASE_URL");
  });

  it("when compose passes secrets, then a required one stops compose when unset and the optional Sentry DSN may be empty", () => {
    const compose = renderCompose();
    expect(compose).toContain("SENTRY_DSN: ${SENTRY_DSN:-}");
    expect(compose).toContain(
      "N8N_CMS_WEBHOOK_SECRET: ${CMS_WEBHOOK_SECRET:?set CMS_WEBHOOK_SECRET in .env}",
    );
    expect(compose).toContain(
      "N8N_AGENCY_WEBHOOK_SECRET: ${AUTOMATION_WEBHOOK_SECRET:?set AUTOMATION_WEBHOOK_SECRET in .env}",
    );
    expect(compose).toContain("SECRET_KEY_PREVIOUS: ${SECRET_KEY_PREVIOUS:-}");
  });
});
