import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { renderAlertRecipients, renderedFiles, renderHttpsProbeTargets, repoFiles } from "./files.ts";
import { loadYaml, monitoringDir, repoRoot } from "./test-support.ts";

const target = (source: string) => {
  const file = repoFiles.find((f) => f.source === source);
  if (!file) throw new Error(`${source} is not in repoFiles`);
  return file.target;
};

describe("renderAlertRecipients", () => {
  it("when given several recipients, then defines both templates alertmanager.yml uses", () => {
    const text = renderAlertRecipients({
      to: ["ops@agency.example", "cto@agency.example"],
      from: "alerts@agency.example",
    });
    expect(text).toContain('{{ define "agency.alerts.to" }}ops@agency.example, cto@agency.example{{ end }}');
    expect(text).toContain('{{ define "agency.alerts.from" }}alerts@agency.example{{ end }}');
  });

  it("when given one recipient as a string, then uses it alone", () => {
    expect(renderAlertRecipients({ to: "ops@agency.example", from: "alerts@agency.example" })).toContain(
      '{{ define "agency.alerts.to" }}ops@agency.example{{ end }}',
    );
  });

  it("when there is no recipient, then the error asks for one", () => {
    expect(() => renderAlertRecipients({ to: [], from: "alerts@agency.example" })).toThrow(
      /"to" needs at least one/,
    );
  });

  it("when an address is not plain, then the error names the field and the value", () => {
    expect(() => renderAlertRecipients({ to: ["ops"], from: "alerts@agency.example" })).toThrow(
      /"to" has "ops"/,
    );
    expect(() => renderAlertRecipients({ to: ["x@y.z{{ end }}"], from: "alerts@agency.example" })).toThrow(
      /"to"/,
    );
    expect(() => renderAlertRecipients({ to: "ops@agency.example", from: "Alerts <a@b.c>" })).toThrow(
      /"from" is/,
    );
  });
});

describe("renderHttpsProbeTargets", () => {
  it("when given public https URLs, then writes one file_sd group without duplicates", () => {
    const text = renderHttpsProbeTargets([
      "https://agency.example/",
      "https://agency.example/",
      "https://api.agency.example/health",
    ]);
    expect(JSON.parse(text)).toEqual([
      { targets: ["https://agency.example/", "https://api.agency.example/health"], labels: {} },
    ]);
  });

  it("when a URL is plain http, not a URL, or missing, then the error says what to give", () => {
    expect(() => renderHttpsProbeTargets(["http://agency.example/"])).toThrow(/must use https/);
    expect(() => renderHttpsProbeTargets(["agency.example"])).toThrow(/"agency.example" is not a URL/);
    expect(() => renderHttpsProbeTargets([])).toThrow(/at least one public https URL/);
  });
});

describe("container paths", () => {
  it("every file the stack delivers exists, and every config file in monitoring/ is delivered", () => {
    expect(repoFiles.filter((file) => !existsSync(path.join(repoRoot, file.source)))).toEqual([]);
    const configs = readdirSync(monitoringDir, { recursive: true, encoding: "utf8" })
      .filter((file) => /\.(ya?ml|json|tmpl)$/.test(file) && !file.endsWith(".test.yml"))
      .map((file) => `monitoring/${file.split(path.sep).join("/")}`);
    const delivered = new Set(repoFiles.map((file) => file.source));
    expect(configs.filter((file) => !delivered.has(file))).toEqual([]);
  });

  it("prometheus.yml finds the rule file and the rendered probe targets where the stack puts them", () => {
    const config = loadYaml<{
      rule_files: string[];
      scrape_configs: {
        job_name: string;
        params?: { module?: string[] };
        file_sd_configs?: { files: string[] }[];
      }[];
    }>("prometheus/prometheus.yml");
    const base = path.posix.dirname(target("monitoring/prometheus/prometheus.yml"));
    expect(config.rule_files.map((file) => path.posix.resolve(base, file))).toEqual([
      target("monitoring/prometheus/alerts.yml"),
    ]);
    const probe = config.scrape_configs.find((job) => job.job_name === "https-probe");
    expect(
      probe?.file_sd_configs?.flatMap((sd) => sd.files.map((file) => path.posix.resolve(base, file))),
    ).toEqual([renderedFiles.httpsProbeTargets]);
    const modules = loadYaml<{ modules: Record<string, unknown> }>("blackbox/blackbox.yml").modules;
    expect(Object.keys(modules)).toEqual(expect.arrayContaining(probe?.params?.module ?? ["(none)"]));
  });

  it("alertmanager.yml's template glob covers the shipped and the rendered template", () => {
    const config = loadYaml<{ templates: string[] }>("alertmanager/alertmanager.yml");
    const base = path.posix.dirname(target("monitoring/alertmanager/alertmanager.yml"));
    const globs = config.templates.map((glob) => path.posix.resolve(base, glob));
    expect(globs).toEqual(["/etc/alertmanager/templates/*.tmpl"]);
    for (const file of [
      target("monitoring/alertmanager/templates/agency.tmpl"),
      renderedFiles.alertRecipients,
    ]) {
      expect(path.posix.dirname(file)).toBe("/etc/alertmanager/templates");
      expect(file.endsWith(".tmpl")).toBe(true);
    }
  });

  it("grafana's dashboard provider reads the folder the dashboards are delivered to", () => {
    const provider = loadYaml<{ providers: { options: { path: string } }[] }>(
      "grafana/provisioning/dashboards/dashboards.yml",
    ).providers;
    const folders = new Set(
      repoFiles
        .filter((file) => file.source.startsWith("monitoring/grafana/dashboards/"))
        .map((f) => path.posix.dirname(f.target)),
    );
    expect([...folders]).toEqual(provider.map((p) => p.options.path));
  });
});
