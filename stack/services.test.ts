import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { composeConfig, renderCompose } from "./compose.ts";
import { REPO_ROOT } from "./delivery.ts";
import { dnsRecords } from "./components/dns.ts";
import { plainEnv, requiredSecrets, secretEnv } from "./components/services.ts";
import {
  OS_RESERVE_MB,
  checkMemoryBudget,
  fillSecrets,
  secretEnvVar,
  serviceDefinitions,
} from "./services.ts";

const cfg = composeConfig();

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
    const orchestrator = serviceDefinitions({ ...cfg, database: "container" }).find(
      (d) => d.name === "orchestrator",
    )!;
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
});
