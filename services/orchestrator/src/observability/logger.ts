import { pino, type Logger } from "pino";

export type { Logger };

/** JSON logs; credentials are redacted wherever a request or config object is logged. */
export function createLogger(level: string, service: string): Logger {
  return pino({
    level,
    base: { service },
    redact: {
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        'req.headers["x-agency-signature"]',
        "*.secretKey",
        "*.secretKeyPrevious",
        "*.cmsWebhookSecret",
        "*.automationWebhookSecret",
        "*.alertmanagerToken",
        "*.adminToken",
        "*.apiKey",
        "*.password",
      ],
      censor: "[redacted]",
    },
  });
}
