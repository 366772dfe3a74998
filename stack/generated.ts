/**
 * Files rendered from the stack's config that the monitoring containers mount next to the repo's
 * own configs: the public URLs the blackbox exporter probes and who alerts go to. The rendering
 * itself is monitoring/files.ts's; this decides the inputs.
 */
import { renderAlertRecipients, renderHttpsProbeTargets } from "../monitoring/files.ts";
import type { AgencyConfig } from "./config.ts";
import { GENERATED } from "./containers.ts";

export type GeneratedConfig = Pick<AgencyConfig, "hosts" | "acmeEmail" | "mailFrom">;

/** Path (relative to the generated folder) → content. */
export function generatedFiles(cfg: GeneratedConfig): Record<string, string> {
  const urls = [
    `https://${cfg.hosts.agency}/`,
    `https://${cfg.hosts.api}/health`,
    ...(cfg.hosts.grafana ? [`https://${cfg.hosts.grafana}/api/health`] : []),
  ];
  return {
    [GENERATED.httpsProbeTargets.source]: renderHttpsProbeTargets(urls),
    // The operator's ACME address receives alerts; mail goes out from the agency's sender.
    [GENERATED.alertRecipients.source]: renderAlertRecipients({
      to: cfg.acmeEmail,
      from: plainAddress(cfg.mailFrom),
    }),
  };
}

/** "Agency <hi@example.com>" → hi@example.com; Alertmanager's template takes a bare address. */
export function plainAddress(from: string): string {
  return /<([^>]+)>/.exec(from)?.[1] ?? from;
}
