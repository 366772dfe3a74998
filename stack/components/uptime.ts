/**
 * External uptime checks: UptimeRobot monitors for the agency's public hosts, made through
 * UptimeRobot's v2 API by a small Pulumi dynamic provider. The API host gets a keyword monitor on
 * /health that goes down when the body lacks `"status":"healthy"` (a 503 or a degraded report is
 * down too); the portal gets an HTTP(S) monitor. Both check every minute and alert the ops email
 * (the stack's acmeEmail, as Alertmanager does). Off unless agency:uptimeRobotApiKey is set.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Hosts } from "../config.ts";

export const UPTIMEROBOT_API_URL = "https://api.uptimerobot.com/v2";
/** What /health says when everything is up; a keyword monitor looks for it. */
export const HEALTHY_KEYWORD = '"status":"healthy"';

/** UptimeRobot's monitor types (v2): 1 HTTP(S), 2 keyword. */
export type MonitorType = 1 | 2;

export interface MonitorSpec {
  /** Suffix of the resource name, e.g. "api". */
  name: string;
  friendlyName: string;
  url: string;
  type: MonitorType;
  /** For keyword monitors: the monitor is down when the body does not contain it. */
  keyword?: string;
}

/** The monitors a stack's hosts get. Pure, so a test can read them without Pulumi. */
export function uptimeChecks(stack: string, hosts: Pick<Hosts, "agency" | "api">): MonitorSpec[] {
  return [
    {
      name: "api",
      friendlyName: `agency ${stack}: API /health`,
      url: `https://${hosts.api}/health`,
      type: 2,
      keyword: HEALTHY_KEYWORD,
    },
    { name: "portal", friendlyName: `agency ${stack}: portal`, url: `https://${hosts.agency}/`, type: 1 },
  ];
}

/** What the provider is given (the API key arrives unwrapped; the resource keeps it secret). */
export interface MonitorInputs {
  apiKey: string;
  apiUrl: string;
  friendlyName: string;
  url: string;
  type: MonitorType;
  keyword?: string;
  /** Seconds between checks. */
  interval: number;
  alertEmail: string;
}

export interface MonitorOutputs extends MonitorInputs {
  monitorId: string;
  alertContactId: string;
}

/**
 * One call to UptimeRobot's v2 API: a form POST with the key in the body (never in a URL). Its
 * errors come as `stat: "fail"` with a 200, or as a 429 with Retry-After, which is waited out
 * (at most three times) since a deploy creates several monitors within the free plan's 10/min.
 */
export async function uptimeRobotCall(
  apiUrl: string,
  apiKey: string,
  method: string,
  params: Record<string, string | number>,
): Promise<Record<string, unknown>> {
  for (let attempt = 0; ; attempt++) {
    const body = new URLSearchParams({ api_key: apiKey, format: "json" });
    for (const [k, v] of Object.entries(params)) body.set(k, String(v));
    const res = await fetch(`${apiUrl}/${method}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "cache-control": "no-cache" },
      body,
      signal: AbortSignal.timeout(30_000),
    });
    if (res.status === 429 && attempt < 3) {
      const wait = Number(res.headers.get("retry-after") ?? "10");
      await new Promise((r) => setTimeout(r, Math.min(Number.isFinite(wait) ? wait : 10, 60) * 1000));
      continue;
    }
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // reported below
    }
    if (!res.ok || json.stat !== "ok") {
      const error = json.error as { type?: string; message?: string; parameter_name?: string } | undefined;
      const detail =
        error?.message ?? (error?.parameter_name ? `bad ${error.parameter_name}` : text.slice(0, 200));
      throw Object.assign(new Error(`UptimeRobot ${method} failed (${res.status}): ${detail}`), {
        errorType: error?.type,
      });
    }
    return json;
  }
}

/** The alert contact for the ops email: the existing one, or a new email contact. */
async function alertContactFor(inputs: MonitorInputs): Promise<string> {
  const listed = await uptimeRobotCall(inputs.apiUrl, inputs.apiKey, "getAlertContacts", {});
  const contacts = (listed.alert_contacts ?? []) as Array<{
    id: string | number;
    type: number;
    value: string;
  }>;
  const found = contacts.find(
    (c) => Number(c.type) === 2 && c.value.toLowerCase() === inputs.alertEmail.toLowerCase(),
  );
  if (found) return String(found.id);
  const made = await uptimeRobotCall(inputs.apiUrl, inputs.apiKey, "newAlertContact", {
    type: 2,
    value: inputs.alertEmail,
    friendly_name: `ops ${inputs.alertEmail}`,
  });
  return String((made.alertcontact as { id: string | number }).id);
}

/** The monitor's settings as UptimeRobot's newMonitor/editMonitor take them. */
function monitorParams(inputs: MonitorInputs, alertContactId: string): Record<string, string | number> {
  return {
    friendly_name: inputs.friendlyName,
    url: inputs.url,
    interval: inputs.interval,
    alert_contacts: `${alertContactId}_0_0`,
    // keyword_type 2: the monitor is down when the keyword does not exist in the body.
    ...(inputs.type === 2 ? { keyword_type: 2, keyword_value: inputs.keyword ?? "" } : {}),
  };
}

/** Fields whose change UptimeRobot cannot edit in place (a monitor's type is fixed). */
const REPLACE_ON = ["type", "apiUrl"] as const;
const EDITABLE = ["friendlyName", "url", "keyword", "interval", "alertEmail", "apiKey"] as const;

export const uptimeMonitorProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: MonitorInputs) {
    const alertContactId = await alertContactFor(inputs);
    const made = await uptimeRobotCall(inputs.apiUrl, inputs.apiKey, "newMonitor", {
      type: inputs.type,
      ...monitorParams(inputs, alertContactId),
    });
    const monitorId = String((made.monitor as { id: string | number }).id);
    return { id: monitorId, outs: { ...inputs, monitorId, alertContactId } satisfies MonitorOutputs };
  },

  async diff(_id: string, olds: MonitorOutputs, news: MonitorInputs) {
    const changed = [...REPLACE_ON, ...EDITABLE].filter((k) => olds[k] !== news[k]);
    const replaces = REPLACE_ON.filter((k) => olds[k] !== news[k]);
    return { changes: changed.length > 0, replaces, deleteBeforeReplace: replaces.length > 0 };
  },

  async update(id: string, olds: MonitorOutputs, news: MonitorInputs) {
    const alertContactId =
      olds.alertEmail === news.alertEmail ? olds.alertContactId : await alertContactFor(news);
    await uptimeRobotCall(news.apiUrl, news.apiKey, "editMonitor", {
      id,
      ...monitorParams(news, alertContactId),
    });
    return { outs: { ...news, monitorId: id, alertContactId } satisfies MonitorOutputs };
  },

  async read(id: string, props: MonitorOutputs) {
    const got = await uptimeRobotCall(props.apiUrl, props.apiKey, "getMonitors", { monitors: id });
    const monitor = ((got.monitors ?? []) as Array<Record<string, unknown>>)[0];
    // Deleted in UptimeRobot's dashboard: an empty id makes Pulumi create it again.
    if (!monitor) return { id: "", props };
    return {
      id,
      props: {
        ...props,
        friendlyName: String(monitor.friendly_name ?? props.friendlyName),
        url: String(monitor.url ?? props.url),
        interval: Number(monitor.interval ?? props.interval),
        ...(props.type === 2 ? { keyword: String(monitor.keyword_value ?? props.keyword) } : {}),
      },
    };
  },

  async delete(id: string, props: MonitorOutputs) {
    try {
      await uptimeRobotCall(props.apiUrl, props.apiKey, "deleteMonitor", { id });
    } catch (err) {
      // Already gone (deleted by hand) is what we wanted.
      if ((err as { errorType?: string }).errorType !== "not_found") throw err;
    }
  },
};

export interface UptimeMonitorArgs {
  apiKey: pulumi.Input<string>;
  /** UptimeRobot's v2 API. Defaults to https://api.uptimerobot.com/v2. */
  apiUrl?: pulumi.Input<string>;
  friendlyName: pulumi.Input<string>;
  url: pulumi.Input<string>;
  type: pulumi.Input<MonitorType>;
  keyword?: pulumi.Input<string>;
  /** Seconds between checks. Defaults to 60. */
  interval?: pulumi.Input<number>;
  alertEmail: pulumi.Input<string>;
}

/** One UptimeRobot monitor; its type token is pulumi-nodejs:dynamic/uptime:Monitor. */
export class UptimeMonitor extends pulumi.dynamic.Resource {
  declare readonly monitorId: pulumi.Output<string>;
  declare readonly url: pulumi.Output<string>;

  constructor(name: string, args: UptimeMonitorArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      uptimeMonitorProvider,
      name,
      {
        apiUrl: UPTIMEROBOT_API_URL,
        interval: 60,
        ...args,
        apiKey: pulumi.secret(args.apiKey),
        monitorId: undefined,
        alertContactId: undefined,
      },
      { ...opts, additionalSecretOutputs: ["apiKey"] },
      "uptime",
      "Monitor",
    );
  }
}

export interface UptimeChecksArgs {
  /** The stack's name, in the monitors' names. */
  stack: string;
  /** The public hosts; the API and the portal are checked. */
  hosts: Pick<Hosts, "agency" | "api">;
  /** Who is alerted: the ops email (acmeEmail). */
  alertEmail: string;
  /** The agency:uptimeRobotApiKey secret (an account-specific "main" API key). */
  apiKey: pulumi.Input<string>;
  /** UptimeRobot's v2 API. Defaults to https://api.uptimerobot.com/v2. */
  apiUrl?: string;
  /** Seconds between checks. Defaults to 60 (a paid UptimeRobot plan; the free plan allows 300). */
  interval?: number;
}

export class UptimeChecks extends pulumi.ComponentResource {
  readonly monitors: Record<string, UptimeMonitor>;
  /** The checked URLs, for the stack's outputs. */
  readonly urls: string[];

  constructor(name: string, args: UptimeChecksArgs, opts?: pulumi.ComponentResourceOptions) {
    super("agency:stack:UptimeChecks", name, {}, opts);
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(args.alertEmail)) {
      throw new pulumi.ResourceError(
        `UptimeChecks alertEmail must be an email address, not "${args.alertEmail}"`,
        this,
      );
    }
    const interval = args.interval ?? 60;
    if (!Number.isInteger(interval) || interval < 30) {
      throw new pulumi.ResourceError(
        `UptimeChecks interval must be whole seconds of at least 30, not ${interval}`,
        this,
      );
    }
    const specs = uptimeChecks(args.stack, args.hosts);
    this.urls = specs.map((s) => s.url);
    this.monitors = Object.fromEntries(
      specs.map((spec) => [
        spec.name,
        new UptimeMonitor(
          `${name}-${spec.name}`,
          {
            apiKey: args.apiKey,
            apiUrl: args.apiUrl ?? UPTIMEROBOT_API_URL,
            friendlyName: spec.friendlyName,
            url: spec.url,
            type: spec.type,
            ...(spec.keyword ? { keyword: spec.keyword } : {}),
            interval,
            alertEmail: args.alertEmail,
          },
          { parent: this },
        ),
      ]),
    );
    this.registerOutputs({
      urls: this.urls,
      monitorIds: Object.values(this.monitors).map((m) => m.monitorId),
    });
  }
}
