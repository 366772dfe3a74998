import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertmanagerSecrets, renderAlertRecipients } from "./files.ts";
import { loadYaml, runTool, scratchCopy } from "./test-support.ts";

interface Route {
  receiver?: string;
  matchers?: string[];
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  routes?: Route[];
}
interface Receiver {
  name: string;
  email_configs?: Record<string, unknown>[];
  webhook_configs?: {
    url: string;
    send_resolved?: boolean;
    http_config?: { authorization?: Record<string, string> };
  }[];
}
interface Config {
  global: Record<string, unknown>;
  templates: string[];
  route: Route;
  inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
  receivers: Receiver[];
}

const config = loadYaml<Config>("alertmanager/alertmanager.yml");

function routeFor(labels: Record<string, string>): ReturnType<typeof runTool> & { receiver: string } {
  const args = Object.entries(labels).map(([name, value]) => `${name}=${value}`);
  const result = runTool("amtool", [
    "config",
    "routes",
    "test",
    "--config.file=alertmanager/alertmanager.yml",
    ...args,
  ]);
  return { ...result, receiver: result.output.split("\n")[0]?.trim() ?? "" };
}

describe("alertmanager config", () => {
  it("when amtool checks alertmanager.yml, then it loads with its templates", () => {
    const result = runTool("amtool", ["check-config", "alertmanager/alertmanager.yml"]);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain("SUCCESS");
  });

  it("when an alert is critical, then it goes to the critical receiver without waiting, repeated hourly", () => {
    const routed = routeFor({ alertname: "ServiceDown", service: "orchestrator", severity: "critical" });
    expect(routed.status, routed.output).toBe(0);
    expect(routed.receiver).toBe("critical");
    const critical = config.route.routes?.find((route) => route.receiver === "critical");
    expect(critical).toMatchObject({ group_wait: "0s", repeat_interval: "1h" });
  });

  it("when an alert is a warning or carries no severity, then it goes to the grouped warning receiver", () => {
    expect(routeFor({ alertname: "DiskSpaceLow", service: "host", severity: "warning" }).receiver).toBe(
      "warning",
    );
    expect(routeFor({ alertname: "Unlabelled" }).receiver).toBe("warning");
    expect(config.route).toMatchObject({
      group_by: ["alertname", "service"],
      group_wait: "30s",
      repeat_interval: "4h",
    });
  });

  it("a critical alert silences the warnings of the same service only", () => {
    expect(config.inhibit_rules).toEqual([
      {
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity="warning"'],
        equal: ["service"],
      },
    ]);
  });

  it("every receiver mails through Resend and tells the orchestrator's webhook, resolved alerts included", () => {
    expect(config.global).toMatchObject({
      smtp_smarthost: "smtp.resend.com:465",
      smtp_auth_username: "resend",
      smtp_auth_password_file: alertmanagerSecrets.resendApiKey,
    });
    expect(config.receivers.map((receiver) => receiver.name).sort()).toEqual(["critical", "warning"]);
    for (const receiver of config.receivers) {
      expect(receiver.email_configs, receiver.name).toHaveLength(1);
      expect(receiver.email_configs?.[0]).toMatchObject({ send_resolved: true });
      expect(receiver.webhook_configs, receiver.name).toEqual([
        {
          url: "http://orchestrator:5001/v1/webhooks/alertmanager",
          send_resolved: true,
          http_config: {
            authorization: { type: "Bearer", credentials_file: alertmanagerSecrets.webhookToken },
          },
        },
      ]);
    }
  });

  it("holds no secret inline: passwords and tokens are file paths only", () => {
    const text = JSON.stringify(config);
    expect(text).not.toMatch(/"(smtp_auth_password|auth_password|credentials|smtp_auth_secret|auth_secret)"/);
    expect(text).not.toMatch(/re_[A-Za-z0-9]{8,}/);
  });
});

describe("alert mail templates", () => {
  let scratch: ReturnType<typeof scratchCopy>;
  const dataFile = () => path.join(scratch.dir, "alert-data.json");
  beforeAll(() => {
    scratch = scratchCopy();
    writeFileSync(
      path.join(scratch.dir, "alertmanager/templates/recipients.tmpl"),
      renderAlertRecipients({
        to: ["ops@agency.example", "cto@agency.example"],
        from: "alerts@agency.example",
      }),
    );
    const alert = {
      status: "firing",
      labels: { alertname: "ServiceDown", service: "orchestrator", severity: "critical" },
      annotations: {
        summary: "orchestrator is down",
        description: "orchestrator target orchestrator:5001 does not answer.",
        runbook_url: "https://github.com/roboagency/roboagency/blob/main/docs/runbook.md#servicedown",
      },
      startsAt: "2026-11-29T12:00:00Z",
      endsAt: "0001-01-01T00:00:00Z",
      generatorURL: "",
      fingerprint: "1",
    };
    writeFileSync(
      dataFile(),
      JSON.stringify({
        receiver: "critical",
        status: "firing",
        alerts: [alert],
        groupLabels: { alertname: "ServiceDown", service: "orchestrator" },
        commonLabels: alert.labels,
        commonAnnotations: alert.annotations,
        externalURL: "http://alertmanager:9093",
      }),
    );
  });
  afterAll(() => scratch.cleanup());

  const render = (text: string) =>
    runTool("amtool", [
      "template",
      "render",
      `--template.glob=${path.join(scratch.dir, "alertmanager/templates/*.tmpl")}`,
      `--template.data=${dataFile()}`,
      `--template.text=${text}`,
    ]);

  it("when the stack's recipients file is in place, then the addresses render from it", () => {
    const result = render('{{ template "agency.alerts.to" . }}|{{ template "agency.alerts.from" . }}');
    expect(result.status, result.output).toBe(0);
    expect(result.output.trim()).toBe("ops@agency.example, cto@agency.example|alerts@agency.example");
  });

  it("when an alert fires, then the subject names status, severity, alert and service and the body links the runbook", () => {
    const result = render('{{ template "agency.email.subject" . }}\n{{ template "agency.email.text" . }}');
    expect(result.status, result.output).toBe(0);
    const [subject, ...body] = result.output.trim().split("\n");
    expect(subject).toBe("[FIRING:1] critical ServiceDown on orchestrator");
    expect(body.join("\n")).toContain(
      "Runbook: https://github.com/roboagency/roboagency/blob/main/docs/runbook.md#servicedown",
    );
  });

  it("every template alertmanager.yml names is defined", () => {
    const named = [...JSON.stringify(config.receivers).matchAll(/template \\"([\w.]+)\\"/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(0);
    for (const name of new Set(named)) {
      const result = render(`{{ template "${name}" . }}`);
      expect(result.status, `${name}: ${result.output}`).toBe(0);
    }
  });
});
