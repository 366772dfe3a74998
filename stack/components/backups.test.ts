/**
 * The backup env file as bash reads it: the real bash sources what backupEnv writes. No fakes.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  backupEnv,
  backupEnvTemplate,
  backupFiles,
  backupSecretNames,
  type BackupConfig,
} from "./backups.ts";

const CFG: BackupConfig = {
  stack: "prod",
  backup: {
    retentionDays: 14,
    time: "03:30",
    s3: { endpoint: "https://fsn1.your-objectstorage.com", bucket: "agency-backups", region: "eu-central" },
    ownCredentials: false,
  },
  database: "external",
};

/** Sources `content` the way agency-backup-lib.sh does and prints the variables it set. */
function sourced(content: string, dir: string): Record<string, string> {
  const file = path.join(dir, "backup.env");
  writeFileSync(file, content);
  const out = execFileSync("bash", ["-c", 'set -a; . "$1"; set +a; env -0', "_", file], {
    cwd: dir,
    env: { PATH: process.env.PATH },
    encoding: "utf8",
  });
  return Object.fromEntries(
    out
      .split("\0")
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

describe("backup env file", () => {
  it("when a secret holds quotes, $(…) and newlines, then bash reads it back unchanged and runs nothing", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "backup-env-"));
    const hostile = `postgres://u:it's$(touch pwned)\`touch pwned2\`"x'\n;touch pwned3@db/agency`;
    const secrets: Record<string, string> = {
      databaseUrl: hostile,
      s3AccessKeyId: "AKID'; touch pwned4; '",
      s3SecretAccessKey: "s3cr3t $HOME",
      backupPassphrase: "pass'phrase",
    };
    const env = sourced(
      backupEnv(CFG, (n) => secrets[n]!),
      dir,
    );
    expect(env.DATABASE_URL).toBe(hostile);
    expect(env.S3_ACCESS_KEY_ID).toBe(secrets.s3AccessKeyId);
    expect(env.S3_SECRET_ACCESS_KEY).toBe("s3cr3t $HOME");
    expect(env.S3_BUCKET).toBe("agency-backups");
    expect(env.RETENTION_DAYS).toBe("14");
    for (const f of ["pwned", "pwned2", "pwned3", "pwned4"])
      expect(existsSync(path.join(dir, f))).toBe(false);
  });

  it("when the database is the container, then the env file names it and needs no databaseUrl", () => {
    const cfg = { ...CFG, database: "container" as const };
    expect(backupSecretNames(cfg).sort()).toEqual([
      "backupPassphrase",
      "qdrantApiKey",
      "s3AccessKeyId",
      "s3SecretAccessKey",
    ]);
    expect(backupEnvTemplate(cfg)).toContain("POSTGRES_CONTAINER='agency-postgres'\n");
  });

  it("when the backup bucket has its own keys, then the env file uses them and not the app's", () => {
    const cfg = {
      ...CFG,
      backup: { ...CFG.backup, s3: { ...CFG.backup.s3, bucket: "agency-vault" }, ownCredentials: true },
    };
    const text = backupEnvTemplate(cfg);
    expect(text).toContain("S3_BUCKET='agency-vault'\n");
    expect(text).toContain("S3_ACCESS_KEY_ID='{{backupS3AccessKeyId}}'\n");
    expect(text).toContain("S3_SECRET_ACCESS_KEY='{{backupS3SecretAccessKey}}'\n");
    expect(text).toContain("BACKUP_PASSPHRASE='{{backupPassphrase}}'\n");
  });

  it("when the scripts are delivered, then the shared lib they source goes with them", () => {
    const paths = backupFiles(CFG).map((f) => f.path);
    expect(paths).toContain("/opt/agency/bin/agency-backup-lib.sh");
  });
});
