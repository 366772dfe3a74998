/**
 * A release without a dropped request: the rendered Caddyfile, with the env the stack gives the
 * caddy container, run by the real caddy binary in front of two upstream processes per site on
 * loopback, under load, while each upstream in turn is stopped the way `docker stop` stops a
 * replica (SIGTERM, the process drains and exits) and a new one starts on its address, as the
 * deploy replaces orchestrator-1, waits for it, then replaces orchestrator-2. The upstreams are
 * small Node servers that drain with the apps' own drain modules (stop accepting, answer with
 * Connection: close, keep idle connections until Caddy has let go); they stand in for the
 * containers, which cannot run here.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@roboagency/testing/ports";
import { pathToFileURL } from "node:url";
import { render } from "./bin/render.ts";
import { composeConfig } from "./compose.ts";
import { REPO_ROOT } from "./delivery.ts";
import { serviceDefinitions } from "./containers.ts";

// The apps' own drains, run here with a small handler: the API's (services/orchestrator, through
// tsx) and the portal's (services/frontend/drain.js, what its server.js uses in the image).
const DRAINS = {
  api: path.join(REPO_ROOT, "services/orchestrator/src/entry-points/http/drain.ts"),
  portal: path.join(REPO_ROOT, "services/frontend/drain.js"),
};
const UPSTREAM = `
import http from "node:http";
const { drainable } = await import(process.env.DRAIN_MODULE);
const id = process.env.ID;
const server = http.createServer((req, res) => {
  // Caddy's active health checks (health_uri / and /v1/sectors; the load uses other paths).
  if (req.url === "/" || req.url === "/v1/sectors") process.stdout.write("checked\\n");
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => setTimeout(() => {
    res.setHeader("x-upstream", id);
    res.end(req.method + " " + req.url + " " + body.length);
  }, 15));
});
server.keepAliveTimeout = 65000;
server.headersTimeout = 66000;
// The production options (bin/server.ts and server.js pass none).
const { drain } = drainable(server);
server.listen(Number(process.env.PORT), "127.0.0.1", () => process.stdout.write("listening\\n"));
process.on("SIGTERM", () => void drain().then(() => process.exit(0)));
`;

function envFile(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1).replace(/^'(.*)'$/, "$1")]),
  );
}

const children = new Set<ChildProcess>();

type Upstream = ChildProcess & { checked: Promise<void> };

/** Starts an upstream; `checked` resolves once Caddy's health check has reached it. */
function startUpstream(id: string, port: number): Promise<Upstream> {
  const module = id.startsWith("api") ? DRAINS.api : DRAINS.portal;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", UPSTREAM], {
    env: { ...process.env, ID: id, PORT: String(port), DRAIN_MODULE: pathToFileURL(module).href },
    stdio: ["ignore", "pipe", "inherit"],
  }) as Upstream;
  children.add(child);
  child.on("exit", () => children.delete(child));
  let output = "";
  child.checked = new Promise((resolve) =>
    child.stdout!.on("data", (d: Buffer) => {
      output += d;
      if (output.includes("checked")) resolve();
    }),
  );
  return new Promise((resolve, reject) => {
    child.stdout!.once("data", () => resolve(child));
    child.once("exit", (code) => reject(new Error(`upstream ${id} exited with ${code}`)));
  });
}

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Outcome {
  ok: number;
  failed: string[];
  by: Record<string, number>;
}

/** Keeps `workers` clients sending GETs and POSTs to both sites until `until` resolves. */
async function load(httpsPort: number, until: Promise<unknown>, workers = 6): Promise<Outcome> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: workers, rejectUnauthorized: false });
  const out: Outcome = { ok: 0, failed: [], by: {} };
  let done = false;
  void until.finally(() => (done = true));
  const one = (host: string, method: string) =>
    new Promise<void>((resolve) => {
      const req = https.request(
        {
          host: "127.0.0.1",
          port: httpsPort,
          path: method === "GET" ? "/v1/runs/x" : "/v1/intake",
          method,
          agent,
          servername: host,
          headers: { host, "content-type": "application/json" },
        },
        (res) => {
          res.resume();
          res.on("end", () => {
            if (res.statusCode === 200) {
              out.ok++;
              const by = String(res.headers["x-upstream"]);
              out.by[by] = (out.by[by] ?? 0) + 1;
            } else out.failed.push(`${method} ${host}: ${res.statusCode}`);
            resolve();
          });
        },
      );
      req.on("error", (err) => {
        out.failed.push(`${method} ${host}: ${err.message}`);
        resolve();
      });
      req.end(method === "POST" ? JSON.stringify({ email: "ada@example.com" }) : undefined);
    });
  await Promise.all(
    Array.from({ length: workers }, async (_, i) => {
      while (!done) {
        await one(i % 2 ? "agency.localhost" : "api.localhost", i % 3 === 0 ? "POST" : "GET");
      }
    }),
  );
  agent.destroy();
  return out;
}

describe("two replicas behind the rendered Caddyfile", () => {
  const out = mkdtempSync(path.join(tmpdir(), "render-replicas-"));
  render("prod", out);
  const rendered = envFile(path.join(out, "caddy.env"));
  let ports: Record<"http" | "https" | "metrics" | "admin" | "internal" | "a1" | "a2" | "p1" | "p2", number>;
  let caddy: ChildProcess;

  /** Starts caddy with the stack's env; `upstreams` override which loopback port each name is. */
  async function startCaddy(upstreams: Record<string, number>): Promise<ChildProcess> {
    const home = mkdtempSync(path.join(tmpdir(), "caddy-"));
    const child = spawn("caddy", ["run", "--config", path.join(out, "Caddyfile"), "--adapter", "caddyfile"], {
      env: {
        ...process.env,
        ...rendered,
        HOME: home,
        XDG_DATA_HOME: path.join(home, "data"),
        XDG_CONFIG_HOME: path.join(home, "config"),
        // .localhost names get certificates from Caddy's own CA; nothing asks Let's Encrypt.
        AGENCY_HOST: "agency.localhost",
        API_HOST: "api.localhost",
        AUTOMATIONS_HOST: "automations.localhost",
        GRAFANA_HOST: "grafana.localhost",
        HTTP_PORT: String(ports.http),
        HTTPS_PORT: String(ports.https),
        METRICS_PORT: String(ports.metrics),
        ADMIN_PORT: String(ports.admin),
        INTERNAL_API_PORT: String(ports.internal),
        ...Object.fromEntries(Object.entries(upstreams).map(([k, p]) => [k, `127.0.0.1:${p}`])),
      },
      stdio: "ignore",
    });
    children.add(child);
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        await new Promise<void>((resolve, reject) =>
          http
            .get(`http://127.0.0.1:${ports.metrics}/metrics`, (r) => (r.resume(), resolve()))
            .on("error", reject),
        );
        return child;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`caddy did not start: ${String(err)}`);
        await sleep(200);
      }
    }
  }

  beforeAll(async () => {
    const entries = await Promise.all(
      ["http", "https", "metrics", "admin", "internal", "a1", "a2", "p1", "p2"].map(
        async (k) => [k, await freePort()] as const,
      ),
    );
    ports = Object.fromEntries(entries) as typeof ports;
  });
  afterAll(() => {
    for (const c of children) c.kill("SIGKILL");
  });

  it("when the stack renders the caddy env, then it names both replicas of the API and the portal", () => {
    expect(rendered).toMatchObject({
      API_UPSTREAM_1: "orchestrator-1:5001",
      API_UPSTREAM_2: "orchestrator-2:5001",
      PORTAL_UPSTREAM_1: "frontend-1:3000",
      PORTAL_UPSTREAM_2: "frontend-2:3000",
    });
  });

  it("when Docker first reports a replica healthy, then Caddy's checks have had time to take it back", () => {
    const caddyfile = readFileSync(path.join(out, "Caddyfile"), "utf8");
    const seconds = (key: string) => Number(new RegExp(`\\b${key} (\\d+)s\\b`).exec(caddyfile)![1]);
    const plan = serviceDefinitions(composeConfig());
    for (const name of ["orchestrator-1", "frontend-1"]) {
      const interval = Number(/^(\d+)s$/.exec(plan.find((d) => d.name === name)!.healthcheck.interval)![1]);
      expect(interval, name).toBeGreaterThan(seconds("fail_duration") + seconds("health_interval"));
    }
    expect(seconds("lb_try_duration")).toBeGreaterThan(seconds("health_interval"));
  });

  it("when each replica in turn is stopped and replaced under load, then no request fails", async () => {
    const up = {
      a1: await startUpstream("api-1", ports.a1),
      a2: await startUpstream("api-2", ports.a2),
      p1: await startUpstream("portal-1", ports.p1),
      p2: await startUpstream("portal-2", ports.p2),
    };
    caddy = await startCaddy({
      API_UPSTREAM_1: ports.a1,
      API_UPSTREAM_2: ports.a2,
      PORTAL_UPSTREAM_1: ports.p1,
      PORTAL_UPSTREAM_2: ports.p2,
    });
    // The rollout, as Pulumi runs it: replica 1 of each goes, its replacement starts and is
    // healthy (the container's wait: Docker's first health check comes 30 s after the start, by
    // which Caddy's 2 s check has seen it too), only then replica 2 goes.
    const healthy = async (...xs: Upstream[]) => {
      await Promise.all(xs.map((x) => x.checked));
      // Past the fail_duration Caddy keeps an address out after a failed request (5 s): Docker's
      // health check, which the deploy waits for, comes later still (30 s).
      await sleep(6000);
    };
    const rollout = (async () => {
      await sleep(1500);
      await Promise.all([stop(up.a1), stop(up.p1)]);
      await sleep(1500); // the new container starting
      up.a1 = await startUpstream("api-1b", ports.a1);
      up.p1 = await startUpstream("portal-1b", ports.p1);
      await healthy(up.a1, up.p1);
      await Promise.all([stop(up.a2), stop(up.p2)]);
      await sleep(1500);
      up.a2 = await startUpstream("api-2b", ports.a2);
      up.p2 = await startUpstream("portal-2b", ports.p2);
      await healthy(up.a2, up.p2);
      await sleep(1500);
    })();
    const result = await load(ports.https, rollout);
    await Promise.all([stop(caddy), ...Object.values(up).map(stop)]);
    console.log(
      `rollout under load: ${result.ok} requests answered, ${result.failed.length} failed`,
      result.by,
      Object.entries(
        result.failed.reduce((m: Record<string, number>, f) => ((m[f] = (m[f] ?? 0) + 1), m), {}),
      ),
    );
    // Before the drains kept idle connections through their grace: 0 to 3 failures in 6,000 to
    // 10,000 requests (a request sent on a kept-alive connection just as the replica closed it).
    expect(result.failed).toEqual([]);
    expect(result.ok).toBeGreaterThan(2000);
    // Both the old and the new processes served: the load really ran across the replacement.
    for (const id of ["api-1", "api-2", "api-1b", "api-2b", "portal-1", "portal-2", "portal-1b", "portal-2b"])
      expect(result.by[id] ?? 0, id).toBeGreaterThan(0);
  }, 120_000);

  it("when both names point at one process and it is replaced, then requests fail (what the replicas prevent)", async () => {
    const single = await startUpstream("api-only", ports.a1);
    const portal = await startUpstream("portal", ports.p1);
    caddy = await startCaddy({
      API_UPSTREAM_1: ports.a1,
      API_UPSTREAM_2: ports.a1,
      PORTAL_UPSTREAM_1: ports.p1,
      PORTAL_UPSTREAM_2: ports.p1,
    });
    let replacement: ChildProcess | undefined;
    const rollout = (async () => {
      await sleep(1000);
      await stop(single);
      await sleep(12_000); // longer than lb_try_duration: a request cannot wait it out
      replacement = await startUpstream("api-new", ports.a1);
      await sleep(500);
    })();
    const result = await load(ports.https, rollout);
    await Promise.all([caddy, replacement, portal].filter((c): c is ChildProcess => !!c).map(stop));
    expect(result.failed.length).toBeGreaterThan(0);
  }, 120_000);
});
