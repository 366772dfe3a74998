/**
 * .env.example and .env.compose.example cannot drift from the code: every variable the code reads
 * (the orchestrator's config as it runs, the portal's config and every other env read found in the
 * sources) is listed in .env.example, and every variable docker-compose.yml interpolates is listed in
 * .env.compose.example.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { loadConfig } from "@roboagency/orchestrator";

const ROOT = path.resolve(import.meta.dirname, "..");
/** tsx's loader by absolute URL, so a process started in another folder finds it. */
const TSX_LOADER = pathToFileURL(path.join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;
const read = (rel: string) => readFileSync(path.join(ROOT, rel), "utf8");

/** Names an example file lists, commented out or not: `# NAME=…` or `NAME=…` at a line's start. */
function listedNames(example: string): Set<string> {
  return new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!));
}

/** What `names` lacks from an example file, sorted. */
function missingFrom(example: string, names: Iterable<string>): string[] {
  const listed = listedNames(example);
  return [...new Set(names)].filter((n) => !listed.has(n)).sort();
}

/** Every variable loadConfig reads, seen through a recording environment in the given scenarios. */
function orchestratorReads(): Set<string> {
  const dir = mkdtempSync(path.join(tmpdir(), "env-example-"));
  const reads = new Set<string>();
  const record = (base: Record<string, string>) =>
    new Proxy(base, {
      get(target, key) {
        if (typeof key === "string") reads.add(key);
        return target[key as string];
      },
    });
  const everything = {
    AGENCY_DATA_DIR: dir,
    NODE_ENV: "production",
    SECRET_KEY: "s".repeat(32),
    AGENCY_ADMIN_TOKEN: "t".repeat(32),
    DATABASE_URL: "postgres://db/agency",
    REDIS_URL: "redis://redis:6379",
    S3_BUCKET: "agency",
    S3_ACCESS_KEY_ID: "id",
    S3_SECRET_ACCESS_KEY: "key",
    RESEND_API_KEY: "re_key",
    X_API_KEY: "k",
    X_API_SECRET: "s",
    X_ACCESS_TOKEN: "t",
    X_ACCESS_SECRET: "a",
    LINKEDIN_AUTHOR_URN: "urn:li:person:abc",
    LINKEDIN_REFRESH_TOKEN: "r",
    LINKEDIN_CLIENT_ID: "c",
    LINKEDIN_CLIENT_SECRET: "s",
    YOUTUBE_CLIENT_ID: "c",
    YOUTUBE_CLIENT_SECRET: "s",
    YOUTUBE_REFRESH_TOKEN: "r",
    INSTAGRAM_USER_ID: "1",
    INSTAGRAM_ACCESS_TOKEN: "t",
  };
  try {
    loadConfig(record({ AGENCY_DATA_DIR: dir }));
    loadConfig(record(everything));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return reads;
}

/** Env reads written in the sources: env.NAME, env["NAME"], helper(env, "NAME"), required("NAME"). */
function sourceReads(): Map<string, string> {
  const found = new Map<string, string>();
  const files: string[] = [];
  const walk = (rel: string) => {
    const full = path.join(ROOT, rel);
    if (statSync(full).isDirectory()) {
      for (const f of readdirSync(full)) if (f !== "node_modules" && f !== "testing") walk(path.join(rel, f));
    } else if (rel.endsWith(".ts") && !rel.endsWith(".test.ts") && !rel.endsWith(".d.ts")) files.push(rel);
  };
  for (const root of [
    "services/orchestrator/src",
    "services/frontend/src/lib/server",
    "services/frontend/start.ts",
    "scripts/start.ts",
    "agents/src",
  ])
    walk(root);
  const pattern =
    /\benv(?:\.([A-Z][A-Z0-9_]+)|\[\s*"([A-Z][A-Z0-9_]+)"\s*\])|\(env, "([A-Z][A-Z0-9_]+)"|required\("([A-Z][A-Z0-9_]+)"\)/g;
  for (const file of files) {
    for (const m of read(file).matchAll(pattern)) {
      const name = m[1] ?? m[2] ?? m[3] ?? m[4]!;
      if (!found.has(name)) found.set(name, file);
    }
  }
  return found;
}

describe(".env examples", () => {
  it("when a listed name is removed, then the check names it (the check can fail)", () => {
    expect(missingFrom("# API_PORT=5001\nAPI_HOST=\n", ["API_PORT", "API_HOST", "LOG_LEVEL"])).toEqual([
      "LOG_LEVEL",
    ]);
    const local = read(".env.example").replace(/^# LOG_LEVEL=.*$/m, "");
    expect(missingFrom(local, orchestratorReads())).toEqual(["LOG_LEVEL"]);
  });

  it("when the orchestrator's config reads the environment, then every variable it reads is in .env.example", () => {
    const reads = orchestratorReads();
    expect(reads.size).toBeGreaterThan(50);
    expect(missingFrom(read(".env.example"), reads)).toEqual([]);
  });

  it("when the portal's config and the other sources read the environment, then every variable is in .env.example", () => {
    const reads = sourceReads();
    for (const name of ["AGENCY_OPERATORS", "AGENCY_API_URL", "PORTAL_PORT", "SENTRY_DSN", "QDRANT_URL"]) {
      expect(reads.has(name), name).toBe(true);
    }
    const missing = missingFrom(read(".env.example"), reads.keys());
    expect(missing.map((n) => `${n} (read in ${reads.get(n)})`)).toEqual([]);
  });

  it("when docker-compose.yml interpolates a variable, then .env.compose.example lists it", () => {
    const compose = read("docker-compose.yml");
    const names = [
      ...[...compose.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!),
      ...[...compose.matchAll(/^\s+environment: ([A-Z_][A-Z0-9_]*)$/gm)].map((m) => m[1]!),
    ];
    expect(names).toContain("DOMAIN");
    expect(missingFrom(read(".env.compose.example"), names)).toEqual([]);
  });

  it("when .env.local exists, then npm start's loader reads it, and the environment still wins", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "env-local-"));
    try {
      writeFileSync(path.join(dir, ".env.local"), "AGENCY_TEST_FROM_FILE=file\nAGENCY_TEST_BOTH=file\n");
      const script = `await import(${JSON.stringify(path.join(ROOT, "scripts/env-local.ts"))}); console.log(process.env.AGENCY_TEST_FROM_FILE, process.env.AGENCY_TEST_BOTH);`;
      const out = execFileSync(
        process.execPath,
        ["--import", TSX_LOADER, "--input-type=module", "-e", script],
        {
          cwd: dir,
          env: { PATH: process.env.PATH ?? "", AGENCY_TEST_BOTH: "environment" },
          encoding: "utf8",
        },
      );
      expect(out.trim()).toBe("file environment");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
