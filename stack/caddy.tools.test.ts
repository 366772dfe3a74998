/**
 * The root Caddyfile run by the real caddy binary on loopback ports (the upstreams do not exist
 * here, so proxied requests end in 502; what is checked is Caddy's own behaviour in front of them).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@roboagency/testing/ports";
import { PLACEHOLDER_HASH } from "./bin/render.ts";
import { REPO_ROOT } from "./delivery.ts";

const CADDYFILE = path.join(REPO_ROOT, "Caddyfile");
const PASSWORD = "test"; // PLACEHOLDER_HASH is its bcrypt hash

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
}

function get(
  url: string,
  opts: { host?: string; localAddress?: string; auth?: string } = {},
): Promise<Reply> {
  const u = new URL(url);
  const client = u.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      {
        host: "127.0.0.1",
        port: u.port,
        path: u.pathname,
        headers: {
          host: opts.host ?? u.host,
          ...(opts.auth ? { authorization: `Basic ${Buffer.from(opts.auth).toString("base64")}` } : {}),
        },
        localAddress: opts.localAddress,
        servername: opts.host,
        rejectUnauthorized: false,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

function withoutAdminPort(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { ADMIN_PORT: _unused, ...rest } = env;
  return rest;
}

describe("the Caddyfile under a real caddy", () => {
  let caddy: ChildProcess;
  const ports = { http: 0, https: 0, metrics: 0, admin: 0, upstream: 0, internal: 0 };
  // Stands in for the portal and the API behind Caddy: a real HTTP server that sets its own policy.
  const upstream = http.createServer((req, res) => {
    if (req.url !== "/no-upstream-csp") {
      res.setHeader("content-security-policy", "default-src 'self'; frame-ancestors 'self'");
    }
    res.end(req.url === "/metrics" ? "secret_series 1\n" : "ok");
  });
  const env = (): NodeJS.ProcessEnv => {
    const home = mkdtempSync(path.join(tmpdir(), "caddy-"));
    return {
      ...process.env,
      HOME: home,
      XDG_DATA_HOME: path.join(home, "data"),
      XDG_CONFIG_HOME: path.join(home, "config"),
      AGENCY_HOST: "agency.localhost",
      API_HOST: "api.localhost",
      AUTOMATIONS_HOST: "automations.localhost",
      GRAFANA_HOST: "grafana.localhost",
      ACME_EMAIL: "ops@example.com",
      BASIC_AUTH_USER: "admin",
      AUTOMATIONS_PASSWORD_HASH: PLACEHOLDER_HASH,
      GRAFANA_PASSWORD_HASH: PLACEHOLDER_HASH,
      OBSERVABILITY_SUBNET: "172.28.3.0/24",
      HTTP_PORT: String(ports.http),
      HTTPS_PORT: String(ports.https),
      METRICS_PORT: String(ports.metrics),
      ADMIN_PORT: String(ports.admin),
      PORTAL_UPSTREAM_1: `127.0.0.1:${ports.upstream}`,
      PORTAL_UPSTREAM_2: `127.0.0.1:${ports.upstream}`,
      API_UPSTREAM_1: `127.0.0.1:${ports.upstream}`,
      API_UPSTREAM_2: `127.0.0.1:${ports.upstream}`,
      INTERNAL_API_PORT: String(ports.internal),
    };
  };

  beforeAll(async () => {
    for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();
    await new Promise<void>((resolve) => upstream.listen(ports.upstream, "127.0.0.1", resolve));
    caddy = spawn("caddy", ["run", "--config", CADDYFILE, "--adapter", "caddyfile"], {
      env: env(),
      stdio: "ignore",
    });
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        await get(`http://127.0.0.1:${ports.metrics}/metrics`);
        break;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`caddy did not start: ${String(err)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  });
  afterAll(() => {
    caddy?.kill("SIGTERM");
    upstream.close();
  });

  it("when adapted, then the admin API listens on the container's loopback only", () => {
    const r = spawnSync("caddy", ["adapt", "--config", CADDYFILE, "--adapter", "caddyfile"], {
      env: withoutAdminPort(env()),
      encoding: "utf8",
    });
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as { admin: { listen: string } }).admin.listen).toBe("localhost:2999");
  });

  it("when metrics are asked for from outside the observability network, then the answer is 403", async () => {
    expect((await get(`http://127.0.0.1:${ports.metrics}/metrics`)).status).toBe(200);
    expect(
      (await get(`http://127.0.0.1:${ports.metrics}/metrics`, { localAddress: "127.0.0.2" })).status,
    ).toBe(403);
  });

  it("when the upstream sets its own CSP, then it is the only one (a second policy would forbid the portal's framed previews)", async () => {
    for (const host of ["agency.localhost", "api.localhost"]) {
      const r = await get(`https://127.0.0.1:${ports.https}/`, { host });
      expect(r.status, host).toBe(200);
      expect(r.headers["content-security-policy"], host).toBe("default-src 'self'; frame-ancestors 'self'");
    }
  });

  it("must not serve the API's /metrics to the public", async () => {
    expect((await get(`https://127.0.0.1:${ports.https}/metrics`, { host: "api.localhost" })).status).toBe(
      404,
    );
    expect((await get(`https://127.0.0.1:${ports.https}/`, { host: "api.localhost" })).status).toBe(200);
  });

  it("when the portal or API answers without a CSP, then HSTS, Caddy's CSP with frame-ancestors, nosniff and Referrer-Policy are set", async () => {
    for (const host of ["agency.localhost", "api.localhost"]) {
      const r = await get(`https://127.0.0.1:${ports.https}/no-upstream-csp`, { host });
      expect(r.headers["strict-transport-security"], host).toMatch(/max-age=31536000/);
      expect(r.headers["content-security-policy"], host).toMatch(/frame-ancestors 'none'/);
      expect(r.headers["x-content-type-options"], host).toBe("nosniff");
      expect(r.headers["referrer-policy"], host).toBe("strict-origin-when-cross-origin");
    }
  });

  it("must ask for basic auth in front of automations and grafana, except n8n webhooks", async () => {
    for (const host of ["automations.localhost", "grafana.localhost"]) {
      expect((await get(`https://127.0.0.1:${ports.https}/`, { host })).status, host).toBe(401);
      expect(
        (await get(`https://127.0.0.1:${ports.https}/`, { host, auth: "admin:wrong" })).status,
        host,
      ).toBe(401);
      // Past auth the upstream is missing here: 502 means the password was accepted.
      expect(
        (await get(`https://127.0.0.1:${ports.https}/`, { host, auth: `admin:${PASSWORD}` })).status,
        host,
      ).toBe(502);
    }
    expect(
      (await get(`https://127.0.0.1:${ports.https}/webhook/intake`, { host: "automations.localhost" }))
        .status,
    ).toBe(502);
  });

  it("when plain http is used, then it redirects to https", async () => {
    const r = await get(`http://127.0.0.1:${ports.http}/`, { host: "agency.localhost" });
    expect(r.status).toBe(308);
    expect(r.headers.location).toMatch(/^https:\/\/agency\.localhost/);
  });
});
