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

  it("when the calendar link is not set, then it points at the portal's booking page", () => {
    const config = loadConfig({
      AGENCY_DATA_DIR: dataDir(),
      PUBLIC_PORTAL_URL: "https://agency.example.com",
    });
    expect(config.calendarUrl).toBe("https://agency.example.com/portal/book");
  });
});
