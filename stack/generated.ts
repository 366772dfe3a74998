/**
 * Files rendered from the stack's config that the monitoring containers mount next to the repo's
 * own configs: the public URLs the blackbox exporter probes and who alerts go to.
 */
import type { AgencyConfig } from "./config.ts";

export type GeneratedConfig = Pick<AgencyConfig, "hosts" | "acmeEmail" | "mailFrom">;

/** Path (relative to the generated folder) → content. */
export function generatedFiles(cfg: GeneratedConfig): Record<string, string> {
  const urls = [
    `https://${cfg.hosts.agency}/`,
    `https://${cfg.hosts.api}/health`,
    `https://${cfg.hosts.automations}/healthz`,
    ...(cfg.hosts.grafana ? [`https://${cfg.hosts.grafana}/api/health`] : []),
  ];
  return {
    "prometheus/targets/https.json": `${JSON.stringify([{ targets: urls, labels: { probe: "https" } }], null, 2)}\n`,
    "alertmanager/recipients.tmpl": [
      "{{/* Rendered by the stack from agency:acmeEmail and agency:mailFrom. */}}",
      `{{ define "agency.alerts.to" }}${cfg.acmeEmail}{{ end }}`,
      `{{ define "agency.alerts.from" }}${cfg.mailFrom}{{ end }}`,
      "",
    ].join("\n"),
  };
}
