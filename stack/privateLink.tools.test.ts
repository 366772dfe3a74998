/**
 * TLS between the servers, with real tools on loopback: the gateway's rendered socat command
 * (with loopback addresses and a CA and certificate made here by openssl, where the stack makes
 * them with @pulumi/tls) in front of a real redis-server and a fake Qdrant (Qdrant cannot run
 * here); the worker's REDIS_URL and QDRANT_URL as the stack renders them, used from a Node
 * process with the worker's NODE_EXTRA_CA_CERTS, through ioredis and fetch.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@roboagency/testing/ports";
import { startRedisServer, type RedisServer } from "@roboagency/testing/redis-server";
import { MAIN_PRIVATE_IP } from "./containerSpec.ts";
import { REPO_ROOT } from "./delivery.ts";
import { clearTextProblems, gatewayCommand, remoteWorkerEnv } from "./privateLink.ts";

const children: ChildProcess[] = [];
let redis: RedisServer | undefined;
const dir = mkdtempSync(path.join(tmpdir(), "private-tls-"));
const file = (name: string) => path.join(dir, name);
const PASSWORD = "test-redis-password";
const API_KEY = "test-qdrant-key";
let ports: { redis: number; qdrant: number; tlsRedis: number; tlsQdrant: number };
let fakeQdrant: http.Server;

function openssl(...args: string[]) {
  execFileSync("openssl", args, { stdio: "ignore" });
}

async function listening(port: number) {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) =>
      net
        .connect(port, "127.0.0.1")
        .once("connect", function (this: net.Socket) {
          this.destroy();
          resolve(true);
        })
        .once("error", () => resolve(false)),
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on ${port}`);
}

/** Runs `code` (an ES module) in a Node process from the repository, as the worker would. */
function worker(code: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", code], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH!, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => resolve({ code, out }));
  });
}

// The worker's URLs as rendered, pointed at this test's loopback gateway instead of 10.70.0.2.
const rendered = remoteWorkerEnv({ env: {}, secretEnv: {} });
const local = (url: string, port: number) =>
  url.replace(`${MAIN_PRIVATE_IP}:${new URL(url.replace("rediss:", "https:")).port}`, `127.0.0.1:${port}`);

describe("the private gateway's TLS", () => {
  beforeAll(async () => {
    ports = {
      redis: await freePort(),
      qdrant: await freePort(),
      tlsRedis: await freePort(),
      tlsQdrant: await freePort(),
    };
    openssl(
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=test private CA",
      "-keyout",
      file("ca.key"),
      "-out",
      file("ca.crt"),
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    );
    openssl(
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-subj",
      "/CN=private-gateway",
      "-keyout",
      file("gateway.key"),
      "-out",
      file("gateway.csr"),
    );
    writeFileSync(file("san.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    openssl(
      "x509",
      "-req",
      "-in",
      file("gateway.csr"),
      "-CA",
      file("ca.crt"),
      "-CAkey",
      file("ca.key"),
      "-CAcreateserial",
      "-days",
      "1",
      "-extfile",
      file("san.ext"),
      "-out",
      file("gateway.crt"),
    );

    redis = await startRedisServer({ port: ports.redis, password: PASSWORD });
    fakeQdrant = http.createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      if (req.headers["api-key"] !== API_KEY) {
        res.statusCode = 401;
        res.end(JSON.stringify({ status: { error: "Invalid api-key" } }));
        return;
      }
      res.end(JSON.stringify({ result: { collections: [] }, status: "ok" }));
    });
    await new Promise<void>((r) => fakeQdrant.listen(ports.qdrant, "127.0.0.1", r));
    const command = gatewayCommand({
      redis: `127.0.0.1:${ports.redis}`,
      qdrant: `127.0.0.1:${ports.qdrant}`,
      ports: { redis: ports.tlsRedis, qdrant: ports.tlsQdrant },
      files: { cert: file("gateway.crt"), key: file("gateway.key") },
    });
    children.push(spawn("/bin/sh", ["-c", command], { stdio: "ignore", detached: true }));
    await Promise.all([ports.redis, ports.tlsRedis, ports.tlsQdrant].map(listening));
  }, 30_000);

  afterAll(async () => {
    await redis?.stop("SIGKILL");
    for (const c of children) {
      try {
        if (c.pid) process.kill(-c.pid, "SIGKILL");
      } catch {
        c.kill("SIGKILL");
      }
    }
    fakeQdrant?.close();
  });

  const redisUrl = () =>
    local(rendered.secretEnv.REDIS_URL!.replace("{{redisPassword}}", PASSWORD), ports.tlsRedis);
  const qdrantUrl = () => local(rendered.env.QDRANT_URL!, ports.tlsQdrant);
  const client = `
    import Redis from "ioredis";
    const redis = new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    redis.on("error", () => {});
    try { await redis.connect(); console.log("redis", await redis.ping()); } catch (e) { console.log("redis failed", e.message); }
    redis.disconnect();
    try {
      const res = await fetch(process.env.QDRANT_URL + "/collections", { headers: { "api-key": process.env.QDRANT_API_KEY } });
      console.log("qdrant", res.status);
    } catch (e) { console.log("qdrant failed", e.cause?.code ?? e.message); }
  `;

  it("when the worker trusts the private CA, then Redis answers over rediss:// and Qdrant over https://", async () => {
    expect(redisUrl().startsWith("rediss://")).toBe(true);
    const { out } = await worker(client, {
      REDIS_URL: redisUrl(),
      QDRANT_URL: qdrantUrl(),
      QDRANT_API_KEY: API_KEY,
      NODE_EXTRA_CA_CERTS: file("ca.crt"),
    });
    expect(out).toContain("redis PONG");
    expect(out).toContain("qdrant 200");
  }, 30_000);

  it("when a client does not trust the private CA, then neither connection is made", async () => {
    const { out } = await worker(client, {
      REDIS_URL: redisUrl(),
      QDRANT_URL: qdrantUrl(),
      QDRANT_API_KEY: API_KEY,
    });
    expect(out).toContain("redis failed");
    expect(out).toMatch(
      /qdrant failed (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/,
    );
  }, 30_000);

  it("must not answer in the clear: a plain redis:// client gets no reply from the gateway", async () => {
    const { out } = await worker(client, {
      REDIS_URL: redisUrl().replace("rediss://", "redis://"),
      QDRANT_URL: qdrantUrl().replace("https://", "http://"),
      QDRANT_API_KEY: API_KEY,
      NODE_EXTRA_CA_CERTS: file("ca.crt"),
    });
    expect(out).toContain("redis failed");
    expect(out).not.toContain("qdrant 200");
  }, 30_000);
});

describe("clear-text refusal", () => {
  const ok = {
    name: "worker",
    ...remoteWorkerEnv({ env: {}, secretEnv: { DATABASE_URL: "{{databaseUrl}}" } }),
  };
  it("when the worker's addresses are the rendered ones, then nothing is refused", () => {
    expect(clearTextProblems(ok)).toEqual([]);
  });
  it("when any of them would go in the clear, then each is named", () => {
    expect(
      clearTextProblems({
        name: "worker",
        env: { QDRANT_URL: "http://10.70.0.2:6333" },
        secretEnv: {
          REDIS_URL: "redis://:{{redisPassword}}@10.70.0.2:6379",
          DATABASE_URL: "postgres://agency:{{postgresPassword}}@postgres:5432/agency",
        },
      }),
    ).toEqual([
      "worker: REDIS_URL must use rediss:// (TLS) across servers",
      "worker: QDRANT_URL must use https:// across servers",
      "worker: DATABASE_URL must be the external agency:databaseUrl (with sslmode=require) across servers",
      "worker: NODE_EXTRA_CA_CERTS must name the private CA, or TLS cannot verify the gateway",
    ]);
  });
});
