/**
 * The metric names monitoring/ queries (dashboards and alert rules). Renaming one here breaks
 * a dashboard: monitoring's tests scrape a running orchestrator to catch that.
 */
import { STEP_NAMES } from "@roboagency/agents/light";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<"method" | "route" | "status_code">;
  httpRequests: Counter<"method" | "route" | "status_code">;
  queueDepth: Gauge<"queue" | "state">;
  stepDuration: Histogram<"step">;
  stepFailures: Counter<"step">;
  runs: Counter<"status">;
  leadReadySeconds: Histogram<string>;
  emailsSent: Counter<"step" | "provider">;
  llmTokens: Counter<"step" | "provider" | "model" | "kind">;
  llmCost: Counter<"step" | "provider" | "model">;
  reviews: Counter<"gate" | "decision">;
}

export function createMetrics(service: "orchestrator" | "worker" | "agency"): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const metrics: Metrics = {
    registry,
    httpDuration: new Histogram({
      name: "http_request_duration_seconds",
      help: "Duration of HTTP requests handled by the API, by route template.",
      labelNames: ["method", "route", "status_code"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: "http_requests_total",
      help: "HTTP requests handled by the API, by route template and status.",
      labelNames: ["method", "route", "status_code"],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: "agency_queue_depth",
      help: "Jobs in the run queue, by state.",
      labelNames: ["queue", "state"],
      registers: [registry],
    }),
    stepDuration: new Histogram({
      name: "agency_pipeline_step_duration_seconds",
      help: "Time each pipeline step took.",
      labelNames: ["step"],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers: [registry],
    }),
    stepFailures: new Counter({
      name: "agency_pipeline_step_failures_total",
      help: "Pipeline steps that failed.",
      labelNames: ["step"],
      registers: [registry],
    }),
    runs: new Counter({
      name: "agency_pipeline_runs_total",
      help: "Pipeline runs that ended, by final status.",
      labelNames: ["status"],
      registers: [registry],
    }),
    leadReadySeconds: new Histogram({
      name: "agency_lead_ready_seconds",
      help: "Time from intake to lead_ready.",
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
      registers: [registry],
    }),
    emailsSent: new Counter({
      name: "agency_emails_sent_total",
      help: "Campaign emails handed to the mailer, by campaign step and provider.",
      labelNames: ["step", "provider"],
      registers: [registry],
    }),
    llmTokens: new Counter({
      name: "agency_llm_tokens_total",
      help: "Tokens sent to (kind=input) and received from (kind=output) model providers.",
      labelNames: ["step", "provider", "model", "kind"],
      registers: [registry],
    }),
    llmCost: new Counter({
      name: "agency_llm_cost_usd_total",
      help: "Model provider cost in USD, from each call's reported usage and the price table.",
      labelNames: ["step", "provider", "model"],
      registers: [registry],
    }),
    reviews: new Counter({
      name: "agency_reviews_total",
      help: "Operator decisions at review gates.",
      labelNames: ["gate", "decision"],
      registers: [registry],
    }),
  };
  // Series that exist from the start, so rate() and increase() see the first failure.
  for (const status of ["completed", "failed", "budget_exceeded"]) metrics.runs.inc({ status }, 0);
  for (const step of STEP_NAMES) metrics.stepFailures.inc({ step }, 0);
  return metrics;
}
