/**
 * The rendered stack checked by the real tools installed on this machine: caddy, cloud-init,
 * promtool and bash. No fakes.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync, rmSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { render } from "./bin/render.ts";
import { MissingFileError, REPO_ROOT, renderDeliveryScript } from "./delivery.ts";

function envFile(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => {
        const i = l.indexOf("=");
        return [l.slice(0, i), l.slice(i + 1).replace(/^'(.*)'$/, "$1")];
      }),
  );
}

function tool(cmd: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(cmd, args, {
    env: { ...process.env, HOME: mkdtempSync(path.join(tmpdir(), "home-")), ...env },
    encoding: "utf8",
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe.each(["prod", "pr-12"])("the %s render", (stack) => {
  const out = mkdtempSync(path.join(tmpdir(), `render-${stack}-`));
  const written = render(stack, out);

  it("when rendered, then it writes the Caddyfile, user-data, compose file, monitoring configs and container list", () => {
    for (const f of [
      "Caddyfile",
      "caddy.env",
      "cloud-init/user-data",
      "docker-compose.yml",
      "containers.json",
      "firewall.json",
      "containers/prometheus/etc/prometheus/prometheus.yml",
      "containers/prometheus/etc/prometheus/targets/https.json",
    ]) {
      expect(written).toContain(f);
    }
    const containers = JSON.parse(readFileSync(path.join(out, "containers.json"), "utf8")) as {
      name: string;
      ports: string[];
    }[];
    expect(containers.filter((c) => c.ports.length).map((c) => c.name)).toEqual(["caddy"]);
    expect(readFileSync(path.join(out, "docker-compose.yml"), "utf8")).not.toMatch(/SECRET-|sk-/);
  });

  it("when caddy validates the Caddyfile with the rendered env, then it is valid", () => {
    const r = tool(
      "caddy",
      ["validate", "--config", path.join(out, "Caddyfile"), "--adapter", "caddyfile"],
      envFile(path.join(out, "caddy.env")),
    );
    expect(r.output).toContain("Valid configuration");
    expect(r.status).toBe(0);
  });

  it("when cloud-init checks the user-data schema, then it is valid", () => {
    const r = tool("cloud-init", ["schema", "--config-file", path.join(out, "cloud-init/user-data")]);
    expect(r.output).toContain("Valid cloud-config");
    expect(r.status).toBe(0);
  });

  it("when promtool checks the Prometheus config as the container sees it, then it passes", () => {
    const r = tool("promtool", [
      "check",
      "config",
      path.join(out, "containers/prometheus/etc/prometheus/prometheus.yml"),
    ]);
    expect(r.output).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });
});

describe("the rendered Alertmanager config", () => {
  it("when amtool checks it with the rendered recipients template beside it, then it passes", () => {
    const out = mkdtempSync(path.join(tmpdir(), "render-am-"));
    render("prod", out);
    const r = tool("amtool", [
      "check-config",
      path.join(out, "containers/alertmanager/etc/alertmanager/alertmanager.yml"),
    ]);
    expect(r.output).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });
});

describe("the tools catch mistakes", () => {
  it("when the Caddyfile env lacks a host, then caddy validate fails", () => {
    const out = mkdtempSync(path.join(tmpdir(), "render-bad-"));
    render("prod", out);
    const env = envFile(path.join(out, "caddy.env"));
    env.AUTOMATIONS_PASSWORD_HASH = "";
    expect(
      tool("caddy", ["validate", "--config", path.join(out, "Caddyfile"), "--adapter", "caddyfile"], env)
        .status,
    ).not.toBe(0);
  });

  it("when user-data has an unknown key, then cloud-init schema rejects it", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "ci-")), "user-data");
    writeFileSync(file, "#cloud-config\npackages: nope-not-a-list\nssh_pwauth: maybe\n");
    expect(tool("cloud-init", ["schema", "--config-file", file]).status).not.toBe(0);
  });
});

describe("file delivery", () => {
  it("when the delivery script runs, then it writes each file with its mode and prunes stale workflows", () => {
    const prefix = mkdtempSync(path.join(tmpdir(), "deliver-"));
    const dir = "/opt/agency/services/automation/workflows";
    execFileSync("bash", ["-c", `mkdir -p ${prefix}${dir} && echo old > ${prefix}${dir}/stale.json`]);
    const script = renderDeliveryScript(
      [
        { path: `${dir}/intake.json`, content: '{"name":"intake"}\n', mode: "0644" },
        { path: "/etc/agency/backup.env", content: "A='it''s'\n", mode: "0600" },
      ],
      { dirs: [dir], rootPrefix: prefix },
    );
    execFileSync("bash", ["-s"], { input: script });
    expect(readdirSync(`${prefix}${dir}`)).toEqual(["intake.json"]);
    expect(readFileSync(`${prefix}/etc/agency/backup.env`, "utf8")).toBe("A='it''s'\n");
    expect(
      execFileSync("stat", ["-c", "%a", `${prefix}/etc/agency/backup.env`], { encoding: "utf8" }).trim(),
    ).toBe("600");
  });

  it("when a monitoring file is missing, then the render fails naming it", () => {
    const root = mkdtempSync(path.join(tmpdir(), "repo-"));
    for (const f of ["Caddyfile", "Pulumi.prod.yaml", "monitoring", "stack/backup"])
      cpSync(path.join(REPO_ROOT, f), path.join(root, f), { recursive: true });
    rmSync(path.join(root, "monitoring/prometheus/alerts.yml"));
    expect(existsSync(path.join(root, "monitoring/prometheus/prometheus.yml"))).toBe(true);
    expect(() => render("prod", mkdtempSync(path.join(tmpdir(), "out-")), root)).toThrow(MissingFileError);
    expect(() => render("prod", mkdtempSync(path.join(tmpdir(), "out-")), root)).toThrow(
      /monitoring\/prometheus\/alerts.yml is missing: the prometheus container mounts it/,
    );
  });
});
