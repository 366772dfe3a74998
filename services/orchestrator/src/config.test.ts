/** Configuration from the environment: defaults, and errors that name the fix. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";

const dirs: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), "agency-config-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const production = {
  NODE_ENV: "production",
  SECRET_KEY: "s".repeat(32),
  AGENCY_ADMIN_TOKEN: "t".repeat(32),
  DATABASE_URL: "postgres://db/agency",
  REDIS_URL: "redis://redis:6379",
  S3_BUCKET: "agency",
  S3_ACCESS_KEY_ID: "id",
  S3_SECRET_ACCESS_KEY: "key",
  RESEND_API_KEY: "re_key",
};

describe("loadConfig", () => {
  it("when nothing is set, then local defaults serve and the operator token is generated once and kept", () => {
    const dir = dataDir();
    const first = loadConfig({ AGENCY_DATA_DIR: dir });
    expect(first).toMatchObject({
      mode: "local",
      apiPort: 5001,
      apiHost: "127.0.0.1",
      adminTokenGenerated: true,
    });
    expect(first.databaseUrl).toBeUndefined();
    expect(readFileSync(path.join(dir, "admin-token"), "utf8").trim()).toBe(first.adminToken);
    const second = loadConfig({ AGENCY_DATA_DIR: dir });
    expect(second.adminToken).toBe(first.adminToken);
    expect(second.secretKey).toBe(first.secretKey);
    expect(second.adminTokenGenerated).toBe(false);
    expect([first.adminTokenSource, second.adminTokenSource]).toEqual(["generated", "file"]);
    expect(
      loadConfig({ AGENCY_DATA_DIR: dir, AGENCY_ADMIN_TOKEN: "an-operator-token-set-by-hand" })
        .adminTokenSource,
    ).toBe("env");
  });

  it("when production lacks a production part, then the error names each variable to set", () => {
    const { DATABASE_URL: _db, RESEND_API_KEY: _mail, ...rest } = production;
    expect(() => loadConfig(rest)).toThrow(ConfigError);
    expect(() => loadConfig(rest)).toThrow(/DATABASE_URL.*RESEND_API_KEY.*AGENCY_ALLOW_EMBEDDED/);
    expect(loadConfig({ ...rest, AGENCY_ALLOW_EMBEDDED: "true", AGENCY_DATA_DIR: dataDir() }).mode).toBe(
      "production",
    );
    expect(loadConfig(production).mode).toBe("production");
  });

  it("when production lacks its secrets, then it refuses to invent them", () => {
    const { SECRET_KEY: _s, ...rest } = production;
    expect(() => loadConfig(rest)).toThrow(/SECRET_KEY must be set in production/);
  });

  it("when a value is malformed, then the error names the variable and an example", () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ API_PORT: "http" }, /API_PORT must be a whole number/],
      [{ CAMPAIGN_DELAYS: "1,2" }, /CAMPAIGN_DELAYS must be three comma-separated seconds/],
      [{ CALENDAR_URL: "mailto:hello@example.com" }, /CALENDAR_URL must be an http or https URL/],
      [{ PUBLIC_API_URL: "not a url" }, /PUBLIC_API_URL must be an absolute URL/],
      [{ MAIL_FROM: "RoboAgency" }, /MAIL_FROM must be an address/],
      [{ S3_BUCKET: "b" }, /S3 storage is half configured: set S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY/],
      [{ AGENCY_ADMIN_TOKEN: "short" }, /AGENCY_ADMIN_TOKEN must be at least 16 characters/],
    ];
    for (const [env, message] of cases) {
      expect(() => loadConfig({ AGENCY_DATA_DIR: dataDir(), ...env }), JSON.stringify(env)).toThrow(message);
    }
  });

  it("when Supabase is configured, then it stands in for S3 in production and a half setup names what is missing", () => {
    const { S3_BUCKET: _b, S3_ACCESS_KEY_ID: _i, S3_SECRET_ACCESS_KEY: _k, ...noS3 } = production;
    expect(() => loadConfig(noS3)).toThrow(/S3_BUCKET .* or SUPABASE_URL/);
    const config = loadConfig({
      ...noS3,
      SUPABASE_URL: "https://abcd.supabase.co/",
      SUPABASE_SERVICE_KEY: "service-key",
    });
    expect(config.supabase).toEqual({
      url: "https://abcd.supabase.co",
      serviceKey: "service-key",
      bucket: "agency-assets",
    });
    expect(() => loadConfig({ ...noS3, SUPABASE_URL: "https://abcd.supabase.co" })).toThrow(
      /Supabase is half configured: set SUPABASE_SERVICE_KEY/,
    );
    expect(() =>
      loadConfig({
        ...noS3,
        SUPABASE_URL: "https://abcd.supabase.co",
        SUPABASE_SERVICE_KEY: "k",
        SUPABASE_STORAGE_BUCKET: "Has Spaces",
      }),
    ).toThrow(/SUPABASE_STORAGE_BUCKET must be a bucket name/);
    expect(loadConfig({ AGENCY_DATA_DIR: dataDir() }).supabase).toBeUndefined();
  });

  it("when the calendar link is not set, then it points at the portal's booking page", () => {
    const config = loadConfig({
      AGENCY_DATA_DIR: dataDir(),
      PUBLIC_PORTAL_URL: "https://agency.example.com",
    });
    expect(config.calendarUrl).toBe("https://agency.example.com/portal/book");
  });

  it("when the CMS, n8n and Alertmanager secrets are unset, then production leaves their endpoints off, refuses lead_ready without its secret, and local mode generates each once", () => {
    const prod = loadConfig({ ...production, AGENCY_DATA_DIR: dataDir() });
    expect(prod.cmsWebhookSecret).toBeUndefined();
    expect(prod.alertmanagerToken).toBeUndefined();
    expect(prod.automationWebhookSecret).toBeUndefined();
    expect(() => loadConfig({ ...production, AUTOMATION_WEBHOOK_URL: "http://n8n:5678/webhook/x" })).toThrow(
      /AUTOMATION_WEBHOOK_SECRET must be set with AUTOMATION_WEBHOOK_URL/,
    );
    expect(() => loadConfig({ ...production, CMS_WEBHOOK_SECRET: "short" })).toThrow(/CMS_WEBHOOK_SECRET/);
    expect(() => loadConfig({ ...production, SECRET_KEY_PREVIOUS: "short" })).toThrow(/SECRET_KEY_PREVIOUS/);

    const dir = dataDir();
    const first = loadConfig({ AGENCY_DATA_DIR: dir });
    const second = loadConfig({ AGENCY_DATA_DIR: dir });
    for (const key of ["cmsWebhookSecret", "automationWebhookSecret", "alertmanagerToken"] as const) {
      expect(first[key]!.length, key).toBeGreaterThanOrEqual(16);
      expect(second[key]).toBe(first[key]);
      expect(first[key]).not.toBe(first.secretKey);
    }
    expect(readFileSync(path.join(dir, "cms-webhook-secret"), "utf8").trim()).toBe(first.cmsWebhookSecret);
  });

  it("when a platform's credentials are set, then its posting adapter is configured; half of them is an error naming the rest", () => {
    const none = loadConfig({ AGENCY_DATA_DIR: dataDir() });
    expect(none.posting).toEqual({});
    const all = loadConfig({
      AGENCY_DATA_DIR: dataDir(),
      X_API_KEY: "k",
      X_API_SECRET: "s",
      X_ACCESS_TOKEN: "t",
      X_ACCESS_SECRET: "a",
      LINKEDIN_AUTHOR_URN: "urn:li:organization:2414183",
      LINKEDIN_ACCESS_TOKEN: "li",
      YOUTUBE_CLIENT_ID: "c",
      YOUTUBE_CLIENT_SECRET: "s",
      YOUTUBE_REFRESH_TOKEN: "r",
      INSTAGRAM_USER_ID: "1784",
      INSTAGRAM_ACCESS_TOKEN: "IGQ",
    });
    expect(Object.keys(all.posting).sort()).toEqual(["instagram", "linkedin", "x", "youtube"]);
    expect(all.posting.x!.baseUrl).toBe("https://api.x.com");
    expect(all.posting.linkedin).toMatchObject({ version: "202510", baseUrl: "https://api.linkedin.com" });
    expect(all.posting.youtube!.privacyStatus).toBe("public");

    const cases: Array<[Record<string, string>, RegExp]> = [
      [
        { X_API_KEY: "k" },
        /Posting to X is half configured: set X_API_SECRET, X_ACCESS_TOKEN, X_ACCESS_SECRET/,
      ],
      [
        { LINKEDIN_ACCESS_TOKEN: "li" },
        /LINKEDIN_AUTHOR_URN must be urn:li:organization:<id> or urn:li:person:<id>/,
      ],
      [
        { LINKEDIN_AUTHOR_URN: "urn:li:person:abc" },
        /LinkedIn needs LINKEDIN_ACCESS_TOKEN, or LINKEDIN_REFRESH_TOKEN/,
      ],
      [
        { LINKEDIN_AUTHOR_URN: "urn:li:person:abc", LINKEDIN_REFRESH_TOKEN: "r" },
        /LinkedIn token refresh is half configured: set LINKEDIN_CLIENT_ID, LINKEDIN_CLIENT_SECRET/,
      ],
      [
        {
          LINKEDIN_AUTHOR_URN: "urn:li:person:abc",
          LINKEDIN_ACCESS_TOKEN: "li",
          LINKEDIN_VERSION: "2025-10",
        },
        /LINKEDIN_VERSION must be a LinkedIn API version/,
      ],
      [{ YOUTUBE_REFRESH_TOKEN: "r" }, /Posting to YouTube is half configured/],
      [
        {
          YOUTUBE_CLIENT_ID: "c",
          YOUTUBE_CLIENT_SECRET: "s",
          YOUTUBE_REFRESH_TOKEN: "r",
          YOUTUBE_PRIVACY_STATUS: "secret",
        },
        /YOUTUBE_PRIVACY_STATUS must be public, unlisted or private/,
      ],
      [{ INSTAGRAM_ACCESS_TOKEN: "IGQ" }, /Posting to Instagram is half configured: set INSTAGRAM_USER_ID/],
    ];
    for (const [env, message] of cases) {
      expect(() => loadConfig({ AGENCY_DATA_DIR: dataDir(), ...env }), JSON.stringify(env)).toThrow(message);
    }
  });
});
