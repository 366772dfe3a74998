import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import {
  databaseUrlProblem,
  CONFIG_SCHEMA,
  ConfigError,
  PROJECT,
  PROVIDER_SECRETS,
  SECRETS,
  networkZone,
  parseConfig,
  prodBuckets,
  type RawConfig,
} from "./config.ts";
import { REPO_ROOT } from "./delivery.ts";
import { renderProjectFile } from "./projectFile.ts";

const RAW: RawConfig = {
  domain: "example.com",
  acmeEmail: "ops@example.com",
  sshPublicKeys: JSON.stringify(["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq7 ops@laptop"]),
  sshSourceRanges: JSON.stringify(["203.0.113.4/32"]),
  cloudflareZoneId: "0123456789abcdef0123456789abcdef",
  s3Endpoint: "https://fsn1.your-objectstorage.com",
  s3Bucket: "agency-backups",
};
const ALL_SECRETS = new Set([
  "hcloud:token",
  "cloudflare:apiToken",
  ...Object.keys(SECRETS).map((s) => `${PROJECT}:${s}`),
]);

function problems(raw: RawConfig, secrets: ReadonlySet<string> = ALL_SECRETS, prod: string[] = []): string[] {
  try {
    parseConfig(raw, secrets, "prod", prod);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe("stack configuration", () => {
  it("when the config is complete, then defaults fill the rest", () => {
    const cfg = parseConfig(RAW, ALL_SECRETS, "prod");
    expect(cfg.serverType).toBe("cx23");
    expect(cfg.location).toBe("nbg1");
    expect(cfg.hosts.grafana).toBe("grafana.example.com");
    expect(cfg.protect).toBe(true);
    expect(cfg.mailFrom).toBe("agency@example.com");
  });

  it("when the location is unknown, then the error lists the real ones and the command", () => {
    expect(problems({ ...RAW, location: "mars1" })).toEqual([
      expect.stringMatching(
        /agency:location "mars1" is not a Hetzner location \(fsn1, nbg1.*pulumi config set agency:location nbg1/,
      ),
    ]);
  });

  it("when the domain is malformed, then the error says what a domain looks like", () => {
    expect(problems({ ...RAW, domain: "https://example.com/" })[0]).toMatch(
      /agency:domain .* is not a domain name \(like example.com, no scheme or path\)/,
    );
  });

  it("when a secret is missing, then the error names it with the set --secret command", () => {
    const without = new Set(
      [...ALL_SECRETS].filter((s) => s !== "agency:openaiApiKey" && s !== "hcloud:token"),
    );
    const [message] = problems(RAW, without);
    expect(message).toContain("pulumi config set --secret agency:openaiApiKey <value>");
    expect(message).toContain("pulumi config set --secret hcloud:token <value>");
    expect(message).not.toContain("agency:anthropicApiKey");
  });

  it("when worker servers are asked for with the container database, then the combination is refused with the fix", () => {
    expect(problems({ ...RAW, workerServers: "2" })[0]).toMatch(
      /workerServers > 0 needs an external Postgres.*agency:database external/,
    );
  });

  it("when a Supabase project is configured, then it replaces the Postgres container and its key is a secret", () => {
    const cfg = parseConfig({ ...RAW, supabaseUrl: "https://abcd.supabase.co" }, ALL_SECRETS, "prod");
    expect(cfg.database).toBe("external");
    expect(cfg.supabase).toEqual({ url: "https://abcd.supabase.co" });
    expect(cfg.secrets).toContain("supabaseServiceKey");
    expect(cfg.secrets).toContain("databaseUrl");
    expect(cfg.secrets).not.toContain("postgresPassword");
    expect(parseConfig(RAW, ALL_SECRETS, "prod").secrets).not.toContain("supabaseServiceKey");
    expect(problems({ ...RAW, supabaseUrl: "https://abcd.supabase.co", database: "container" })).toEqual([
      expect.stringMatching(
        /agency:database container conflicts with supabaseUrl.*pulumi config rm agency:database/,
      ),
    ]);
    expect(problems({ ...RAW, supabaseUrl: "abcd.supabase.co" })[0]).toMatch(
      /agency:supabaseUrl .* https URL/,
    );
    const without = new Set([...ALL_SECRETS].filter((s) => s !== "agency:supabaseServiceKey"));
    expect(problems({ ...RAW, supabaseUrl: "https://abcd.supabase.co" }, without)[0]).toContain(
      "pulumi config set --secret agency:supabaseServiceKey <value>",
    );
  });

  it("when the retired cx21 is chosen, then the error names its successor", () => {
    expect(problems({ ...RAW, serverType: "cx21" })[0]).toMatch(/"cx21" is retired by Hetzner; use cx23/);
  });

  it("when an image is given by tag only, then it must be pinned by digest", () => {
    expect(problems({ ...RAW, orchestratorImage: "ghcr.io/acme/orchestrator:latest" })[0]).toMatch(
      /must be pinned by digest/,
    );
    expect(
      problems({ ...RAW, orchestratorImage: `ghcr.io/acme/orchestrator@sha256:${"a".repeat(64)}` }),
    ).toEqual([]);
  });

  it("when a preview asks for protection or proxying without Cloudflare, then each is refused", () => {
    expect(problems({ ...RAW, preview: "pr-12", protect: "true" })[0]).toMatch(
      /protect cannot be true on a preview stack/,
    );
    expect(problems({ ...RAW, dnsProvider: "none", dnsProxied: "true" })[0]).toMatch(
      /dnsProxied only applies with dnsProvider cloudflare/,
    );
  });

  it("when several things are wrong, then all of them are reported at once", () => {
    expect(problems({ ...RAW, domain: "nope", location: "x", logLevel: "loud" })).toHaveLength(3);
  });

  it("when Pulumi.yaml is read, then it is the one rendered from the schema", () => {
    const file = readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8");
    expect(file).toBe(renderProjectFile());
    const doc = parse(file) as { config: Record<string, unknown>; main: string };
    expect(Object.keys(doc.config)).toEqual(Object.keys(CONFIG_SCHEMA));
    expect(doc.main).toBe("stack/index.ts");
  });

  it("when Pulumi.prod.yaml is read, then it validates, with only secrets missing", () => {
    const doc = parse(readFileSync(path.join(REPO_ROOT, "Pulumi.prod.yaml"), "utf8")) as {
      config: Record<string, unknown>;
    };
    const raw = Object.fromEntries(
      Object.entries(doc.config).map(([k, v]) => [
        k.replace(`${PROJECT}:`, ""),
        Array.isArray(v) ? JSON.stringify(v) : String(v),
      ]),
    );
    expect(parseConfig(raw, ALL_SECRETS, "prod").serverType).toBe("cx33");
  });

  it("when docs/stack.md is read, then it gives the set --secret command for every secret", () => {
    const docs = readFileSync(path.join(REPO_ROOT, "docs/stack.md"), "utf8");
    for (const key of [
      ...Object.keys(PROVIDER_SECRETS),
      ...Object.keys(SECRETS).map((s) => `${PROJECT}:${s}`),
    ]) {
      expect(docs, key).toContain(`pulumi config set --secret ${key} `);
    }
  });

  it("when the CMS webhook secret is missing, then the error names it; a missing Sentry DSN only leaves Sentry off", () => {
    const without = (...keys: string[]) => new Set([...ALL_SECRETS].filter((s) => !keys.includes(s)));
    const [message] = problems(RAW, without("agency:cmsWebhookSecret", "agency:sentryDsn"));
    expect(message).toContain("pulumi config set --secret agency:cmsWebhookSecret <value>");
    expect(message).not.toContain("sentryDsn");
    const off = parseConfig(RAW, without("agency:sentryDsn"), "prod");
    expect(off.sentry).toBe(false);
    expect(off.secrets).not.toContain("sentryDsn");
    const on = parseConfig(RAW, ALL_SECRETS, "prod");
    expect(on.sentry).toBe(true);
    expect(on.secrets).toEqual(expect.arrayContaining(["cmsWebhookSecret", "sentryDsn"]));
  });
});

describe("S3 settings", () => {
  it("when s3Endpoint is not https or carries a path, then the problem names the key and the fix", () => {
    for (const endpoint of [
      "http://fsn1.your-objectstorage.com",
      "https://x.com/bucket",
      "fsn1.example.com",
      "https://a b",
    ]) {
      const found = problems({ ...RAW, s3Endpoint: endpoint });
      expect(found.join("\n"), endpoint).toMatch(
        /agency:s3Endpoint .*pulumi config set agency:s3Endpoint https:\/\//,
      );
    }
    expect(problems({ ...RAW, s3Endpoint: "https://fsn1.your-objectstorage.com" })).toEqual([]);
  });

  it("when s3Bucket breaks the S3 naming rules, then the problem names the key and the fix", () => {
    for (const bucket of [
      "My_Bucket",
      "ab",
      "x'$(reboot)",
      "a..b",
      "192.168.1.1",
      "-agency",
      "a".repeat(64),
    ]) {
      const found = problems({ ...RAW, s3Bucket: bucket });
      expect(found.join("\n"), bucket).toMatch(/agency:s3Bucket .*pulumi config set agency:s3Bucket/);
    }
    expect(problems({ ...RAW, s3Bucket: "agency.backups-2" })).toEqual([]);
  });
});

describe("previews and backups", () => {
  const preview: RawConfig = { ...RAW, preview: "pr-12" };

  it("when a preview uses the production stack's bucket, then it is refused with the fix", () => {
    const found = problems(preview, ALL_SECRETS, ["agency-backups"]).join("\n");
    expect(found).toMatch(/agency:s3Bucket "agency-backups" is the production stack's bucket/);
    expect(found).toContain("pulumi config set agency:s3Bucket agency-backups-pr-12");
    expect(
      problems({ ...preview, s3Bucket: "agency-backups-pr-12" }, ALL_SECRETS, ["agency-backups"]),
    ).toEqual([]);
  });

  it("when Pulumi.prod.yaml configures a bucket, then the program knows it as production's", () => {
    const doc = parse(readFileSync(path.join(REPO_ROOT, "Pulumi.prod.yaml"), "utf8")) as {
      config: Record<string, string>;
    };
    expect(prodBuckets()).toContain(doc.config["agency:s3Bucket"]);
  });

  it("when a backup bucket and its keys are set, then backups use them; without, the app bucket", () => {
    const both = new Set([...ALL_SECRETS]);
    const own = parseConfig({ ...RAW, backupS3Bucket: "agency-vault" }, both, "prod");
    expect(own.backup.s3.bucket).toBe("agency-vault");
    expect(own.backup.ownCredentials).toBe(true);
    const shared = new Set([...ALL_SECRETS].filter((s) => !s.startsWith("agency:backupS3")));
    const fallback = parseConfig(RAW, shared, "prod");
    expect(fallback.backup.s3.bucket).toBe("agency-backups");
    expect(fallback.backup.ownCredentials).toBe(false);
  });

  it("when only one backup key is set or the passphrase is missing, then each is named with its fix", () => {
    const one = new Set(
      [...ALL_SECRETS].filter(
        (s) => s !== "agency:backupS3SecretAccessKey" && s !== "agency:backupPassphrase",
      ),
    );
    const found = problems(RAW, one).join("\n");
    expect(found).toContain("pulumi config set --secret agency:backupS3SecretAccessKey");
    expect(found).toContain("pulumi config set --secret agency:backupPassphrase");
  });
});

describe("network zones", () => {
  it("when a location is outside Europe, then its private network zone is Hetzner's for it", () => {
    expect(["fsn1", "nbg1", "hel1", "ash", "hil", "sin"].map(networkZone)).toEqual([
      "eu-central",
      "eu-central",
      "eu-central",
      "us-east",
      "us-west",
      "ap-southeast",
    ]);
    expect(() => networkZone("mars1")).toThrow(/mars1.*fsn1, nbg1/);
  });
});

describe("SSH exposure", () => {
  it("when sshSourceRanges is not set, then the config is refused with the command that sets it, not opened to the world", () => {
    const { sshSourceRanges: _omit, ...raw } = RAW;
    const found = problems(raw).join("\n");
    expect(found).toContain("agency:sshSourceRanges is required");
    expect(found).toContain("pulumi config set --path 'agency:sshSourceRanges[0]' '203.0.113.4/32'");
    expect(CONFIG_SCHEMA.sshSourceRanges).not.toHaveProperty("default");
  });

  it("must not open 22 to the internet in the real Pulumi.prod.yaml, and the file must validate", () => {
    const doc = parse(readFileSync(path.join(REPO_ROOT, "Pulumi.prod.yaml"), "utf8")) as {
      config: Record<string, unknown>;
    };
    const ranges = doc.config["agency:sshSourceRanges"] as string[];
    expect(ranges.length).toBeGreaterThan(0);
    for (const range of ranges) expect(range).not.toMatch(/^(0\.0\.0\.0|::)\/0$/);
    const raw = Object.fromEntries(
      Object.entries(doc.config).map(([k, v]) => [
        k.replace(/^agency:/, ""),
        Array.isArray(v) ? JSON.stringify(v) : String(v),
      ]),
    );
    expect(parseConfig(raw, ALL_SECRETS, "prod").sshSourceRanges).toEqual(ranges);
  });
});

describe("external database URL", () => {
  it("when it does not require TLS, then the stack refuses it naming the fix", () => {
    expect(databaseUrlProblem("postgres://u:p@db.example.com:5432/agency?sslmode=require")).toBeUndefined();
    expect(
      databaseUrlProblem("postgres://u:p@db.example.com:5432/agency?sslmode=verify-full"),
    ).toBeUndefined();
    expect(databaseUrlProblem("postgres://u:p@db.example.com:5432/agency")).toMatch(
      /must require TLS: add \?sslmode=require/,
    );
    expect(databaseUrlProblem("postgres://u:p@db.example.com/agency?sslmode=prefer")).toMatch(
      /it has sslmode=prefer/,
    );
    expect(databaseUrlProblem("not a url")).toMatch(/is not a URL/);
  });
});
