/**
 * The pack loaded the way the Pulumi CLI loads it: the nodejs language host starts
 * `node <@pulumi/pulumi>/cmd/run-policy-pack <engine> <pack dir>`, which require()s the pack
 * directory; the pack serves the Analyzer gRPC service and prints its port. The test then asks
 * that server, over real gRPC, for its policies and for a verdict on a bad container. No fakes:
 * no engine is needed until a policy logs, which none of these calls do.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../delivery.ts";

const req = createRequire(path.join(REPO_ROOT, "node_modules/@pulumi/pulumi/package.json"));
const RUNNER = req.resolve("@pulumi/pulumi/cmd/run-policy-pack");
type Grpc = typeof import("@grpc/grpc-js");
const grpc = req("@grpc/grpc-js") as Grpc;
const services = req("@pulumi/pulumi/proto/analyzer_grpc_pb.js");
const messages = req("@pulumi/pulumi/proto/analyzer_pb.js");
const { Empty } = req("google-protobuf/google/protobuf/empty_pb.js");
const { Struct } = req("google-protobuf/google/protobuf/struct_pb.js");

const children: ChildProcess[] = [];
afterAll(() => children.forEach((c) => c.kill("SIGKILL")));

/** Runs the pack in `dir` as Pulumi does; resolves with the printed port or rejects with the output. */
function startPack(dir: string): Promise<number> {
  const child = spawn(process.execPath, [RUNNER, "127.0.0.1:1", dir], { cwd: REPO_ROOT });
  children.push(child);
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no port within 60 s:\n${output}`)), 60_000);
    child.stdout.on("data", (d: Buffer) => {
      output += d;
      const port = /^(\d+)\s*$/m.exec(output);
      if (port) {
        clearTimeout(timer);
        resolve(Number(port[1]));
      }
    });
    child.stderr.on("data", (d: Buffer) => (output += d));
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the pack exited with ${code}:\n${output}`));
    });
  });
}

function call<T>(client: InstanceType<Grpc["Client"]>, method: string, request: unknown): Promise<T> {
  return new Promise((resolve, reject) =>
    (client as unknown as Record<string, (r: unknown, cb: (e: Error | null, v: T) => void) => void>)[method]!(
      request,
      (err, value) => (err ? reject(err) : resolve(value)),
    ),
  );
}

describe("the policy pack under Pulumi's runner", () => {
  it("when run-policy-pack requires stack/policy, then it serves every rule and reports a violation", async () => {
    const port = await startPack(path.join(REPO_ROOT, "stack/policy"));
    const Client = grpc.makeGenericClientConstructor(services.AnalyzerService, "Analyzer");
    const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());

    const info = await call<{ getName(): string; getPoliciesList(): { getName(): string }[] }>(
      client,
      "getAnalyzerInfo",
      new Empty(),
    );
    expect(info.getName()).toBe("agency-security");
    expect(
      info
        .getPoliciesList()
        .map((p) => p.getName())
        .sort(),
    ).toEqual([
      "firewall-only-22-80-443",
      "no-privileged-or-docker-socket",
      "only-caddy-publishes-ports",
      "stateful-services-on-internal-network",
    ]);

    const request = new messages.AnalyzeRequest();
    request.setType("docker:index/container:Container");
    request.setUrn("urn:pulumi:prod::agency::docker:index/container:Container::agency-redis");
    request.setName("agency-redis");
    request.setOptions(new messages.AnalyzerResourceOptions());
    request.setProperties(
      Struct.fromJavaScript({ name: "agency-redis", ports: [{ internal: 6379, external: 6379 }] }),
    );
    const verdict = await call<{ getDiagnosticsList(): { getMessage(): string }[] }>(
      client,
      "analyze",
      request,
    );
    expect(verdict.getDiagnosticsList().map((d) => d.getMessage())).toEqual([
      expect.stringContaining("container agency-redis publishes ports 6379; only caddy may"),
    ]);
    client.close();
  }, 90_000);

  it("when a pack's entry is an ES module with top-level await, then the runner cannot load it", async () => {
    // Inside the repository, so the pack resolves @pulumi/policy and tsx as the real one does.
    const dir = mkdtempSync(path.join(REPO_ROOT, "stack/.esm-pack-"));
    try {
      for (const f of ["pack.ts", "rules.ts", "PulumiPolicy.yaml"])
        cpSync(path.join(REPO_ROOT, "stack/policy", f), path.join(dir, f));
      writeFileSync(
        path.join(dir, "index.js"),
        'import { register } from "tsx/esm/api";\nregister();\nawait import("./pack.ts");\n',
      );
      writeFileSync(
        path.join(dir, "package.json"),
        JSON.stringify({ name: "esm-pack", type: "module", main: "index.js" }),
      );
      await expect(startPack(dir)).rejects.toThrow(/ERR_REQUIRE_(ESM|ASYNC_MODULE)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
