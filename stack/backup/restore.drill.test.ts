/**
 * The restore drill for the stores the Postgres test does not cover, with the backup scripts as
 * the server runs them: the queue through a real redis-server (dump with Redis's own RDB, restore
 * into an empty data folder, then started with AOF on as the container runs it); the vectors
 * through Qdrant's snapshot API, against a fake Qdrant on loopback (Qdrant is a vendor service:
 * the fake keeps each collection's points and answers the snapshot endpoints the scripts call);
 * and the upload and download of a sealed backup with rclone against the S3-protocol server the
 * asset tests use (s3rver).
 */
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import S3rver from "s3rver";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "@roboagency/testing/ports";
import { startRedisServer, type RedisServer } from "@roboagency/testing/redis-server";

const here = import.meta.dirname;
const script = (name: string) => path.join(here, name);
// rclone's S3 client cannot take a custom CA bundle with its own transport; none is needed here.
const { AWS_CA_BUNDLE: _bundle, ...inherited } = process.env;
const base = { ...inherited, AGENCY_BACKUP_NO_ENV: "1", BACKUP_PASSPHRASE: "drill passphrase" };
const run = (name: string, args: string[], env: NodeJS.ProcessEnv) =>
  execFileSync("bash", [script(name), ...args], {
    env: { ...base, ...env },
    encoding: "utf8",
    stdio: "pipe",
  });
/** The same, without blocking this process: the fake Qdrant and s3rver answer from it. */
const runAsync = (name: string, args: string[], env: NodeJS.ProcessEnv) =>
  promisify(execFile)("bash", [script(name), ...args], { env: { ...base, ...env }, encoding: "utf8" }).then(
    (r) => r.stdout,
  );
const work = () => mkdtempSync(path.join(tmpdir(), "drill-"));
const cleanup: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

/** A redis-server as the container runs it (AOF on), stopped after the file's tests. */
async function redisServer(dir: string, port: number, password?: string): Promise<RedisServer> {
  const server = await startRedisServer({ port, dir, password, appendonly: true });
  cleanup.push(() => server.stop("SIGKILL"));
  return server;
}

describe("restore drill", () => {
  it("when the queue is dumped and restored into an empty Redis, then it starts with every key, AOF on", async () => {
    const dir = work();
    const [port, loadPort, checkPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const src = path.join(dir, "src");
    mkdirSync(src);
    const source = await redisServer(src, port, "queue-pass");
    const cli = (p: number, ...args: string[]) =>
      execFileSync("redis-cli", ["-p", String(p), ...args], { encoding: "utf8" }).trim();
    const auth = ["-a", "queue-pass", "--no-auth-warning"];
    cli(port, ...auth, "hset", "bull:runs:42", "name", "run", "data", '{"runId":"42"}');
    cli(port, ...auth, "rpush", "bull:runs:wait", "42", "43");
    cli(port, ...auth, "set", "agency:note", "it's here");

    const dump = path.join(dir, "redis.rdb");
    run("agency-backup.sh", ["dump-redis", dump], {
      REDIS_CLI: `redis-cli -p ${port} -a queue-pass --no-auth-warning`,
    });
    expect(readFileSync(dump).subarray(0, 5).toString()).toBe("REDIS");
    await source.stop("SIGKILL");

    const restored = path.join(dir, "restored");
    mkdirSync(restored);
    writeFileSync(path.join(restored, "stale"), "left from before");
    run("agency-restore.sh", ["redis", dump], {
      REDIS_DATA_DIR: restored,
      REDIS_LOAD_PORT: String(loadPort),
    });
    expect(readdirSync(restored)).not.toContain("stale");
    expect(readdirSync(restored)).toContain("appendonlydir");

    // As the container starts it: AOF on, which reads only the AOF the restore wrote.
    await redisServer(restored, checkPort);
    expect(cli(checkPort, "hget", "bull:runs:42", "data")).toBe('{"runId":"42"}');
    expect(cli(checkPort, "lrange", "bull:runs:wait", "0", "-1")).toBe("42\n43");
    expect(cli(checkPort, "get", "agency:note")).toBe("it's here");
  }, 60_000);

  it("when a file is not a Redis dump, then the restore refuses it and leaves the data alone", () => {
    const dir = work();
    writeFileSync(path.join(dir, "bad.rdb"), "not a dump");
    mkdirSync(path.join(dir, "data"));
    writeFileSync(path.join(dir, "data/dump.rdb"), "REDIS0011keep");
    expect(() =>
      run("agency-restore.sh", ["redis", path.join(dir, "bad.rdb")], {
        REDIS_DATA_DIR: path.join(dir, "data"),
      }),
    ).toThrow(/is not a Redis dump/);
    expect(readFileSync(path.join(dir, "data/dump.rdb"), "utf8")).toBe("REDIS0011keep");
  });

  describe("Qdrant through its snapshot API (a fake Qdrant on loopback)", () => {
    /** Collections → their content; a snapshot is the content, stamped. Requires the api-key header. */
    function fakeQdrant(key: string, collections: Record<string, string>) {
      const snapshots = new Map<string, string>();
      const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://qdrant");
        const json = (status: number, body: unknown) =>
          res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
        if (req.headers["api-key"] !== key)
          return json(401, { status: { error: "Must provide an API key" } });
        let body = Buffer.alloc(0);
        req.on("data", (c: Buffer) => (body = Buffer.concat([body, c])));
        req.on("end", () => {
          const parts = url.pathname.split("/").filter(Boolean);
          if (req.method === "GET" && url.pathname === "/collections")
            return json(200, { result: { collections: Object.keys(collections).map((name) => ({ name })) } });
          const c = parts[1]!;
          if (req.method === "POST" && parts[2] === "snapshots" && parts.length === 3) {
            if (!(c in collections)) return json(404, { status: { error: `Collection ${c} not found` } });
            const name = `${c}-${snapshots.size}.snapshot`;
            snapshots.set(name, `SNAPSHOT:${collections[c]}`);
            return json(200, { result: { name, size: 10 } });
          }
          if (req.method === "GET" && parts[2] === "snapshots" && snapshots.has(parts[3]!))
            return res
              .writeHead(200, { "content-type": "application/octet-stream" })
              .end(snapshots.get(parts[3]!));
          if (req.method === "DELETE" && parts[2] === "snapshots") {
            snapshots.delete(parts[3]!);
            return json(200, { result: true });
          }
          if (req.method === "POST" && parts[2] === "snapshots" && parts[3] === "upload") {
            const text = body.toString("latin1");
            const m = /SNAPSHOT:([^\r\n]*)/.exec(text);
            if (!m || !/name="snapshot"/.test(text))
              return json(400, { status: { error: "no snapshot file" } });
            collections[c] = m[1]!;
            return json(200, { result: true });
          }
          json(404, { status: { error: "not found" } });
        });
      });
      return {
        collections,
        snapshots,
        start: () =>
          new Promise<string>((resolve) =>
            server.listen(0, "127.0.0.1", () => {
              cleanup.push(() => void server.close());
              resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
            }),
          ),
      };
    }

    it("when every collection is snapshotted and recovered into an empty Qdrant, then each comes back", async () => {
      const source = fakeQdrant("k1", {
        sector_kb: "points of the sector knowledge base",
        memories: "agent memories",
      });
      const target = fakeQdrant("k2", {});
      const [from, to] = await Promise.all([source.start(), target.start()]);
      const dir = work();
      await runAsync("agency-backup.sh", ["dump-qdrant", dir], {
        QDRANT_URL: from,
        QDRANT_CURL: "curl",
        QDRANT_API_KEY: "k1",
      });
      expect(readdirSync(dir).sort()).toEqual(["qdrant-memories.snapshot", "qdrant-sector_kb.snapshot"]);
      // The snapshots made for the backup are removed from Qdrant again.
      expect(source.snapshots.size).toBe(0);
      const out = await runAsync("agency-restore.sh", ["qdrant", dir], {
        QDRANT_URL: to,
        QDRANT_CURL: "curl",
        QDRANT_API_KEY: "k2",
      });
      expect(out).toContain("restored qdrant collection sector_kb");
      expect(target.collections).toEqual(source.collections);
    });

    it("when the API key is wrong, then the backup fails rather than saving nothing", async () => {
      const q = fakeQdrant("right", { sector_kb: "x" });
      const url = await q.start();
      await expect(
        runAsync("agency-backup.sh", ["dump-qdrant", work()], {
          QDRANT_URL: url,
          QDRANT_CURL: "curl",
          QDRANT_API_KEY: "wrong",
        }),
      ).rejects.toThrow(/401/);
    });
  });

  it("when a sealed backup is uploaded and fetched with rclone through an S3 server, then it decrypts to the same files", async () => {
    const dir = work();
    const s3 = new S3rver({
      address: "127.0.0.1",
      port: 0,
      silent: true,
      directory: path.join(dir, "s3"),
      configureBuckets: [{ name: "agency-backups", configs: [] }],
    });
    const { port } = await s3.run();
    cleanup.push(() => s3.close());
    const s3env = {
      STACK: "drill",
      S3_ENDPOINT: `http://127.0.0.1:${port}`,
      S3_BUCKET: "agency-backups",
      S3_REGION: "us-east-1",
      // s3rver's built-in account.
      S3_ACCESS_KEY_ID: "S3RVER",
      S3_SECRET_ACCESS_KEY: "S3RVER",
      RCLONE_CONFIG: path.join(dir, "rclone.conf"),
    };
    mkdirSync(path.join(dir, "plain"));
    writeFileSync(path.join(dir, "plain/redis.rdb"), "REDIS0011 queue");
    writeFileSync(path.join(dir, "plain/qdrant-sector_kb.snapshot"), "SNAPSHOT:points");
    run("agency-backup.sh", ["seal", path.join(dir, "plain"), path.join(dir, "sealed")], s3env);
    await runAsync("agency-backup.sh", ["upload", path.join(dir, "sealed"), "20261202T033000Z"], s3env);
    expect((await runAsync("agency-restore.sh", ["list"], s3env)).trim()).toBe("20261202T033000Z/");
    await runAsync("agency-restore.sh", ["fetch", "20261202T033000Z", path.join(dir, "back")], s3env);
    expect(readFileSync(path.join(dir, "back/redis.rdb"), "utf8")).toBe("REDIS0011 queue");
    expect(readFileSync(path.join(dir, "back/qdrant-sector_kb.snapshot"), "utf8")).toBe("SNAPSHOT:points");
    // What the bucket holds is the encrypted form only.
    const stored = execFileSync("find", [path.join(dir, "s3"), "-type", "f"], { encoding: "utf8" });
    expect(stored).not.toContain("redis.rdb\n");
    expect(stored).toContain("redis.rdb.enc");
  }, 60_000);
});
