/**
 * What the stack delivers into the monitoring containers: the repo files as they are, the two
 * files that depend on the deployment (rendered here, so the stack does no string building), and
 * the secret files Alertmanager reads. Container paths live here and nowhere else, so the configs
 * (which name them) and the stack (which mounts them) cannot drift apart; files.test.ts holds the
 * configs to these paths.
 */

/** A file to place in a container: `source` is relative to the repository root. */
export interface RepoFile {
  container: "prometheus" | "alertmanager" | "grafana" | "blackbox-exporter";
  source: string;
  target: string;
}

export const repoFiles: readonly RepoFile[] = [
  {
    container: "prometheus",
    source: "monitoring/prometheus/prometheus.yml",
    target: "/etc/prometheus/prometheus.yml",
  },
  {
    container: "prometheus",
    source: "monitoring/prometheus/alerts.yml",
    target: "/etc/prometheus/alerts.yml",
  },
  {
    container: "alertmanager",
    source: "monitoring/alertmanager/alertmanager.yml",
    target: "/etc/alertmanager/alertmanager.yml",
  },
  {
    container: "alertmanager",
    source: "monitoring/alertmanager/templates/agency.tmpl",
    target: "/etc/alertmanager/templates/agency.tmpl",
  },
  {
    container: "grafana",
    source: "monitoring/grafana/provisioning/datasources/prometheus.yml",
    target: "/etc/grafana/provisioning/datasources/prometheus.yml",
  },
  {
    container: "grafana",
    source: "monitoring/grafana/provisioning/dashboards/dashboards.yml",
    target: "/etc/grafana/provisioning/dashboards/dashboards.yml",
  },
  ...(["edge", "api", "pipeline", "host"] as const).map((name): RepoFile => ({
    container: "grafana",
    source: `monitoring/grafana/dashboards/${name}.json`,
    target: `/var/lib/grafana/dashboards/${name}.json`,
  })),
  {
    container: "blackbox-exporter",
    source: "monitoring/blackbox/blackbox.yml",
    target: "/etc/blackbox_exporter/config.yml",
  },
];

/** Where the rendered, deployment-specific files go. */
export const renderedFiles = {
  /** renderHttpsProbeTargets() output, read by Prometheus job https-probe. */
  httpsProbeTargets: "/etc/prometheus/targets/https.json",
  /** renderAlertRecipients() output, loaded by alertmanager.yml's `templates` glob. */
  alertRecipients: "/etc/alertmanager/templates/recipients.tmpl",
} as const;

/** Secret files Alertmanager reads (mode 0400, never in git or plain outputs). */
export const alertmanagerSecrets = {
  /** The Resend API key, used as SMTP password for user `resend` at smtp.resend.com:465. */
  resendApiKey: "/etc/alertmanager/secrets/resend_api_key",
  /** Bearer token Alertmanager sends to the orchestrator's POST /v1/webhooks/alertmanager. */
  webhookToken: "/etc/alertmanager/secrets/webhook_token",
} as const;

export interface AlertRecipients {
  /** Who receives alert mail; one address or several. */
  to: string | readonly string[];
  /** Sender address; its domain must be verified in Resend. */
  from: string;
}

// Deliberately plain: no display names, no quoting, nothing that could close a template action.
const emailAddress = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

/**
 * The Alertmanager template file defining `agency.alerts.to` and `agency.alerts.from`, which
 * alertmanager.yml's email receivers use. Alertmanager cannot read addresses from the environment,
 * so they travel as a template.
 */
export function renderAlertRecipients({ to, from }: AlertRecipients): string {
  const recipients = typeof to === "string" ? [to] : [...to];
  if (recipients.length === 0) {
    throw new Error('alert recipients: "to" needs at least one email address.');
  }
  for (const address of recipients) {
    if (!emailAddress.test(address)) {
      throw new Error(
        `alert recipients: "to" has ${JSON.stringify(address)}, which is not a plain email address.`,
      );
    }
  }
  if (!emailAddress.test(from)) {
    throw new Error(
      `alert recipients: "from" is ${JSON.stringify(from)}, which is not a plain email address (use one on a domain verified in Resend).`,
    );
  }
  return (
    "{{/* Rendered by the stack from its config (monitoring/files.ts); do not edit on the host. */}}\n" +
    `{{ define "agency.alerts.to" }}${recipients.join(", ")}{{ end }}\n` +
    `{{ define "agency.alerts.from" }}${from}{{ end }}\n`
  );
}

/**
 * The file_sd target list for Prometheus job https-probe: the public https URLs whose availability
 * and certificate expiry the blackbox exporter watches (pick URLs that answer 2xx, e.g. the portal
 * and the API health route).
 */
export function renderHttpsProbeTargets(urls: readonly string[]): string {
  if (urls.length === 0) {
    throw new Error("https probe targets: give at least one public https URL, e.g. https://agency.example/.");
  }
  for (const url of urls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error(`https probe targets: ${JSON.stringify(url)} is not a URL.`);
    }
    if (parsed.protocol !== "https:") {
      throw new Error(
        `https probe targets: ${JSON.stringify(url)} must use https, since its certificate is watched.`,
      );
    }
  }
  return JSON.stringify([{ targets: [...new Set(urls)], labels: {} }], null, 2) + "\n";
}
