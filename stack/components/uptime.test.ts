/**
 * The UptimeRobot dynamic provider against a fake UptimeRobot v2 API on loopback (a fake server in
 * this file, not UptimeRobot): create, diff, update, read and delete; then the program under
 * Pulumi mocks (stack/testing/mocks.ts) with and without agency:uptimeRobotApiKey.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PROD_CONFIG,
  SECRET_VALUES,
  plain,
  recorded,
  setAgencyMocks,
  settle,
  useConfig,
} from "../testing/mocks.ts";

setAgencyMocks("prod");
const { loadConfig } = await import("../config.ts");
const { defineAgency } = await import("../program.ts");
const { HEALTHY_KEYWORD, uptimeChecks, uptimeMonitorProvider, uptimeRobotCall } = await import("./uptime.ts");
type MonitorInputs = import("./uptime.ts").MonitorInputs;
type MonitorOutputs = import("./uptime.ts").MonitorOutputs;

const KEY = "u1234-fake-main-key";

/** The v2 API's shape: form POSTs with api_key, `stat: ok|fail`, 429 with Retry-After. */
function fakeUptimeRobot() {
  const monitors = new Map<string, Record<string, string>>();
  const contacts: Array<{ id: string; type: number; value: string }> = [];
  const calls: Array<{ method: string; params: URLSearchParams }> = [];
  let nextId = 777_000;
  let rateLimitNext = 0;
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const method = (req.url ?? "").replace(/^\/v2\//, "");
      const params = new URLSearchParams(body);
      calls.push({ method, params });
      const reply = (json: unknown, status = 200, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(JSON.stringify(json));
      };
      if (rateLimitNext > 0) {
        rateLimitNext--;
        return reply({ stat: "fail", error: { type: "rate_limit" } }, 429, { "retry-after": "1" });
      }
      if (params.get("api_key") !== KEY) {
        return reply({
          stat: "fail",
          error: { type: "invalid_parameter", parameter_name: "api_key", message: "api_key is wrong" },
        });
      }
      const fail = (type: string, message: string) => reply({ stat: "fail", error: { type, message } });
      switch (method) {
        case "getAlertContacts":
          return reply({ stat: "ok", alert_contacts: contacts });
        case "newAlertContact": {
          const id = String(++nextId);
          contacts.push({ id, type: Number(params.get("type")), value: params.get("value") ?? "" });
          return reply({ stat: "ok", alertcontact: { id, status: 0 } });
        }
        case "newMonitor": {
          for (const k of ["type", "url", "friendly_name"])
            if (!params.get(k)) return fail("missing_parameter", `${k} is required`);
          if (params.get("type") === "2" && !params.get("keyword_value"))
            return fail("missing_parameter", "keyword_value is required");
          const id = String(++nextId);
          monitors.set(id, Object.fromEntries(params));
          return reply({ stat: "ok", monitor: { id: Number(id), status: 1 } });
        }
        case "editMonitor": {
          const m = monitors.get(params.get("id") ?? "");
          if (!m) return fail("not_found", "monitor not found");
          if (params.has("type")) return fail("invalid_parameter", "type cannot be edited");
          monitors.set(params.get("id")!, { ...m, ...Object.fromEntries(params) });
          return reply({ stat: "ok", monitor: { id: Number(params.get("id")) } });
        }
        case "getMonitors": {
          const ids = (params.get("monitors") ?? "").split("-").filter(Boolean);
          const list = [...monitors.entries()]
            .filter(([id]) => ids.length === 0 || ids.includes(id))
            .map(([id, m]) => ({
              id: Number(id),
              friendly_name: m.friendly_name,
              url: m.url,
              type: Number(m.type),
              interval: Number(m.interval),
              keyword_value: m.keyword_value,
            }));
          return reply({ stat: "ok", monitors: list });
        }
        case "deleteMonitor": {
          if (!monitors.delete(params.get("id") ?? "")) return fail("not_found", "monitor not found");
          return reply({ stat: "ok", monitor: { id: Number(params.get("id")) } });
        }
        default:
          return fail("not_found", `no method ${method}`);
      }
    });
  });
  return {
    monitors,
    contacts,
    calls,
    rateLimitOnce: () => (rateLimitNext = 1),
    url: "",
    async start() {
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2`;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const fake = fakeUptimeRobot();
beforeAll(() => fake.start());
afterAll(() => fake.close());

const inputs = (over: Partial<MonitorInputs> = {}): MonitorInputs => ({
  apiKey: KEY,
  apiUrl: fake.url,
  friendlyName: "agency prod: API /health",
  url: "https://api.example.com/health",
  type: 2,
  keyword: HEALTHY_KEYWORD,
  interval: 60,
  alertEmail: "ops@example.com",
  ...over,
});

describe("UptimeRobot provider", () => {
  it("when a stack's hosts are checked, then the API gets a keyword monitor on /health for the healthy status and the portal an HTTP monitor", () => {
    expect(uptimeChecks("prod", { agency: "agency.example.com", api: "api.example.com" })).toEqual([
      {
        name: "api",
        friendlyName: "agency prod: API /health",
        url: "https://api.example.com/health",
        type: 2,
        keyword: '"status":"healthy"',
      },
      { name: "portal", friendlyName: "agency prod: portal", url: "https://agency.example.com/", type: 1 },
    ]);
  });

  let created: { id: string; outs: MonitorOutputs };
  it("when a monitor is created, then it checks every minute for the keyword, alerting the ops email through one email contact", async () => {
    created = (await uptimeMonitorProvider.create!(inputs())) as typeof created;
    const m = fake.monitors.get(created.id)!;
    expect(m).toMatchObject({
      type: "2",
      url: "https://api.example.com/health",
      interval: "60",
      keyword_type: "2",
      keyword_value: '"status":"healthy"',
      alert_contacts: `${fake.contacts[0]!.id}_0_0`,
    });
    expect(fake.contacts).toEqual([{ id: fake.contacts[0]!.id, type: 2, value: "ops@example.com" }]);
    expect(created.outs.monitorId).toBe(created.id);
    // The key travels in the body, never in a URL.
    expect(fake.calls.every((c) => c.params.get("api_key") === KEY)).toBe(true);

    // A second monitor reuses the contact.
    const portal = await uptimeMonitorProvider.create!(
      inputs({ type: 1, keyword: undefined, url: "https://agency.example.com/" }),
    );
    expect(fake.contacts).toHaveLength(1);
    expect(fake.monitors.get(portal.id)!.keyword_type).toBeUndefined();
  });

  it("when inputs change, then an editable change updates in place and a type change replaces the monitor", async () => {
    const same = await uptimeMonitorProvider.diff!(created.id, created.outs, inputs());
    expect(same.changes).toBe(false);
    const moved = await uptimeMonitorProvider.diff!(
      created.id,
      created.outs,
      inputs({ url: "https://api.example.org/health" }),
    );
    expect(moved).toMatchObject({ changes: true, replaces: [] });
    const retyped = await uptimeMonitorProvider.diff!(created.id, created.outs, inputs({ type: 1 }));
    expect(retyped).toMatchObject({ changes: true, replaces: ["type"], deleteBeforeReplace: true });

    const updated = await uptimeMonitorProvider.update!(
      created.id,
      created.outs,
      inputs({ url: "https://api.example.org/health", alertEmail: "oncall@example.com" }),
    );
    expect(fake.monitors.get(created.id)!.url).toBe("https://api.example.org/health");
    const oncall = fake.contacts.find((c) => c.value === "oncall@example.com")!;
    expect(fake.monitors.get(created.id)!.alert_contacts).toBe(`${oncall.id}_0_0`);
    expect(updated.outs).toMatchObject({ monitorId: created.id, alertContactId: oncall.id });
    created = { id: created.id, outs: updated.outs as MonitorOutputs };

    const read = await uptimeMonitorProvider.read!(created.id, created.outs);
    expect(read).toMatchObject({
      id: created.id,
      props: { url: "https://api.example.org/health", interval: 60 },
    });
  });

  it("when a monitor is deleted, then it is gone; deleting one removed by hand succeeds, and read reports it missing", async () => {
    await uptimeMonitorProvider.delete!(created.id, created.outs);
    expect(fake.monitors.has(created.id)).toBe(false);
    await expect(uptimeMonitorProvider.delete!(created.id, created.outs)).resolves.toBeUndefined();
    expect((await uptimeMonitorProvider.read!(created.id, created.outs)).id).toBe("");
  });

  it("when UptimeRobot answers 429 with Retry-After, then the call waits and succeeds; a wrong key fails naming the parameter", async () => {
    fake.rateLimitOnce();
    const started = Date.now();
    await expect(uptimeRobotCall(fake.url, KEY, "getMonitors", {})).resolves.toMatchObject({ stat: "ok" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    await expect(uptimeRobotCall(fake.url, "wrong", "getMonitors", {})).rejects.toThrow(/api_key is wrong/);
  });
});

describe("the program's uptime checks", () => {
  const monitorsOf = async (secrets: Record<string, string>) => {
    recorded.length = 0;
    useConfig(PROD_CONFIG, secrets);
    defineAgency(loadConfig());
    return (await settle()).filter((r) => r.type === "pulumi-nodejs:dynamic/uptime:Monitor");
  };

  it("when agency:uptimeRobotApiKey is not set, then no monitor is made", async () => {
    expect(await monitorsOf(SECRET_VALUES)).toEqual([]);
  });

  it("when it is set, then the API and the portal get 1-minute monitors alerting the ops email, with the key kept secret", async () => {
    const monitors = await monitorsOf({ ...SECRET_VALUES, "agency:uptimeRobotApiKey": "SECRET-uptime-4f1c" });
    expect(monitors.map((m) => m.name).sort()).toEqual(["agency-api", "agency-portal"]);
    const api = plain(monitors.find((m) => m.name === "agency-api")!.inputs) as Record<string, unknown>;
    expect(api).toMatchObject({
      url: "https://api.example.com/health",
      type: 2,
      keyword: '"status":"healthy"',
      interval: 60,
      alertEmail: "ops@example.com",
      apiUrl: "https://api.uptimerobot.com/v2",
      apiKey: "SECRET-uptime-4f1c",
    });
    // Stored as a secret, not as plain text.
    expect(JSON.stringify(monitors.find((m) => m.name === "agency-api")!.inputs.apiKey)).toContain(
      "4dabf18193072939515e22adb298388d",
    );
  });
});
