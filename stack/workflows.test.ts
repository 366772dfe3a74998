/**
 * The GitHub Actions workflows cannot run here; what can be checked is: they parse, use
 * pulumi/actions with the policy pack, name scripts that exist and secrets the docs list, and the
 * scripts they call work: new-preview.sh and destroy-preview.sh against a stand-in Pulumi CLI
 * (stack/testing/fake-pulumi.sh, no CLI or backend here), the bucket emptied for real with rclone
 * through the S3-protocol server the asset tests use (s3rver).
 */
import { execFile } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "./delivery.ts";

const WORKFLOWS = path.join(REPO_ROOT, ".github/workflows");
type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> };
type Workflow = { on: unknown; jobs: Record<string, { steps: Step[]; if?: string }> };
const load = (f: string) => parse(readFileSync(path.join(WORKFLOWS, f), "utf8")) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);
const text = (f: string) => readFileSync(path.join(WORKFLOWS, f), "utf8");
const cleanup: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanup) await c();
});

describe("the workflows", () => {
  const files = readdirSync(WORKFLOWS)
    .filter((f) => f.endsWith(".yml"))
    .sort();

  it("when they are read, then they parse and are the PR checks, the preview stacks and the image build", () => {
    expect(files).toEqual(["images.yml", "pr.yml", "preview-stack.yml"]);
    for (const f of files) expect(Object.keys(load(f).jobs).length, f).toBeGreaterThan(0);
  });

  it("when they run scripts, then each exists and is executable", () => {
    const scripts = files.flatMap((f) =>
      steps(load(f)).flatMap((s) => [...(s.run ?? "").matchAll(/(stack\/bin\/[\w.-]+)/g)].map((m) => m[1]!)),
    );
    expect(scripts.sort()).toEqual(["stack/bin/destroy-preview.sh", "stack/bin/new-preview.sh"]);
    for (const s of scripts) expect(statSync(path.join(REPO_ROOT, s)).mode & 0o111, s).not.toBe(0);
  });

  it("when they preview or deploy, then they use pulumi/actions with the policy pack that exists", () => {
    const pulumi = files.flatMap((f) => steps(load(f)).filter((s) => s.uses?.startsWith("pulumi/actions@")));
    const deploying = pulumi.filter((s) => ["preview", "up"].includes(String(s.with?.command)));
    expect(deploying.map((s) => s.with!.command).sort()).toEqual(["preview", "up"]);
    for (const s of deploying) {
      expect(s.with!.policyPacks).toBe("stack/policy");
      expect(existsSync(path.join(REPO_ROOT, "stack/policy/PulumiPolicy.yaml"))).toBe(true);
    }
    expect(load("preview-stack.yml").jobs.destroy!.if).toContain("closed");
  });

  it("when they use secrets, then docs/stack.md lists each one", () => {
    const docs = readFileSync(path.join(REPO_ROOT, "docs/stack.md"), "utf8");
    const secrets = new Set(files.flatMap((f) => [...text(f).matchAll(/secrets\.(\w+)/g)].map((m) => m[1]!)));
    expect(secrets.size).toBeGreaterThan(5);
    for (const s of secrets) if (s !== "GITHUB_TOKEN") expect(docs, s).toContain(`\`${s}\``);
  });

  it("when images are built, then both Dockerfiles that exist are pushed and their digests printed", () => {
    const build = load("images.yml").jobs.build as unknown as {
      strategy: { matrix: { image: { dockerfile: string }[] } };
    };
    for (const i of build.strategy.matrix.image)
      expect(existsSync(path.join(REPO_ROOT, i.dockerfile)), i.dockerfile).toBe(true);
    expect(text("images.yml")).toContain("steps.build.outputs.digest");
    expect(text("images.yml")).toContain("pulumi config set agency:");
  });
});

describe("the scripts the workflows call", () => {
  function fakePulumi(stacks: Record<string, Record<string, string>>) {
    const dir = mkdtempSync(path.join(tmpdir(), "fake-pulumi-"));
    mkdirSync(path.join(dir, "bin"));
    copyFileSync(path.join(REPO_ROOT, "stack/testing/fake-pulumi.sh"), path.join(dir, "bin/pulumi"));
    for (const [stack, cfg] of Object.entries(stacks))
      writeFileSync(
        path.join(dir, `${stack}.env`),
        Object.entries(cfg)
          .map(([k, v]) => `${k}=${v}`)
          .join("\n") + "\n",
      );
    writeFileSync(path.join(dir, "calls"), "");
    return {
      env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}`, FAKE_PULUMI_DIR: dir },
      calls: () => readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n"),
    };
  }
  const prod = {
    "agency:s3Bucket": "example-agency",
    "agency:s3Endpoint": "https://fsn1.your-objectstorage.com",
    "agency:domain": "example.com",
    "agency:sshSourceRanges": '["203.0.113.4/32"]',
    "agency:secretKey": "prod-secret",
  };

  it("when a preview is created, then it gets prod's plain settings, its own bucket and fresh secrets", async () => {
    const p = fakePulumi({ prod });
    await promisify(execFile)("bash", ["stack/bin/new-preview.sh", "pr-7"], { cwd: REPO_ROOT, env: p.env });
    const calls = p.calls();
    expect(calls).toContain("stack init pr-7");
    expect(calls).toContain("config set -s pr-7 --path agency:domain -- example.com");
    expect(calls).toContain("config set -s pr-7 --path agency:sshSourceRanges[0] -- 203.0.113.4/32");
    expect(calls).toContain("config set -s pr-7 agency:s3Bucket example-agency-pr-7");
    expect(calls.join("\n")).not.toContain("prod-secret");
    expect(calls.filter((c) => c.startsWith("config set -s pr-7 --secret agency:secretKey "))).toHaveLength(
      1,
    );
  });

  it("when a preview is destroyed, then its bucket is emptied through S3, the stack destroyed and removed; prod's bucket is refused", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "s3-preview-"));
    const s3 = new S3rver({
      address: "127.0.0.1",
      port: 0,
      silent: true,
      directory: dir,
      configureBuckets: [
        { name: "example-agency-pr-7", configs: [] },
        { name: "example-agency", configs: [] },
      ],
    });
    const { port } = await s3.run();
    cleanup.push(() => s3.close());
    const endpoint = `http://127.0.0.1:${port}`;
    // s3rver's built-in account.
    const client = new S3Client({
      endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    });
    for (const [bucket, key] of [
      ["example-agency-pr-7", "docs/a.md"],
      ["example-agency-pr-7", "videos/b.mp4"],
      ["example-agency", "docs/keep.md"],
    ])
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "x" }));
    const objects = (bucket: string) =>
      existsSync(path.join(dir, bucket))
        ? readdirSync(path.join(dir, bucket), { recursive: true }).filter((f) =>
            String(f).endsWith("._S3rver_object"),
          )
        : [];
    expect(objects("example-agency-pr-7")).toHaveLength(2);

    const p = fakePulumi({
      prod: { ...prod, "agency:s3Endpoint": endpoint },
      "pr-7": { "agency:s3Bucket": "example-agency-pr-7", "agency:s3Endpoint": endpoint },
    });
    // rclone's S3 client cannot take a custom CA bundle with its own transport; none is needed here.
    const env: NodeJS.ProcessEnv = { ...p.env, S3_ACCESS_KEY_ID: "S3RVER", S3_SECRET_ACCESS_KEY: "S3RVER" };
    delete env.AWS_CA_BUNDLE;
    await promisify(execFile)("bash", ["stack/bin/destroy-preview.sh", "pr-7"], { cwd: REPO_ROOT, env });
    expect(objects("example-agency-pr-7")).toHaveLength(0);
    expect(objects("example-agency")).toHaveLength(1);
    expect(p.calls()).toEqual(
      expect.arrayContaining(["destroy -s pr-7 --yes --skip-preview", "stack rm -s pr-7 --yes"]),
    );

    const q = fakePulumi({
      prod,
      "pr-8": { "agency:s3Bucket": "example-agency", "agency:s3Endpoint": endpoint },
    });
    await expect(
      promisify(execFile)("bash", ["stack/bin/destroy-preview.sh", "pr-8"], {
        cwd: REPO_ROOT,
        env: { ...q.env, S3_ACCESS_KEY_ID: "S3RVER", S3_SECRET_ACCESS_KEY: "S3RVER" },
      }),
    ).rejects.toThrow(/production's bucket/);
    expect(q.calls().join("\n")).not.toContain("destroy -s pr-8");
  }, 60_000);
});
