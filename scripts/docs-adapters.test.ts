/**
 * The docs name every adapter switch: each environment variable whose presence (or value) the code
 * tests to choose between an embedded default and a real service is in the README's configuration
 * table and in docs/architecture.md. The switches are found in the sources, not listed here, so a
 * new one without docs fails this test.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");
const read = (rel: string) => readFileSync(path.join(ROOT, rel), "utf8");

const SOURCES = [
  "services/orchestrator/src",
  "services/frontend/src/lib/server",
  "services/frontend/start.ts",
  "scripts/start.ts",
  "agents/src",
];

function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (rel: string) => {
    const full = path.join(ROOT, rel);
    if (statSync(full).isDirectory()) {
      for (const f of readdirSync(full)) if (f !== "node_modules") walk(path.join(rel, f));
    } else if (rel.endsWith(".ts") && !rel.endsWith(".test.ts") && !rel.endsWith(".d.ts")) files.push(rel);
  };
  for (const root of SOURCES) walk(root);
  return files;
}

const NAME = String.raw`([A-Z][A-Z0-9_]+)`;
const READ = String.raw`(?:process\.)?env(?:\.${NAME}|\["${NAME}"\])`;

/**
 * Env names a source tests to pick an implementation: `if (env.X`, `!env.X`, `|| env.X` / `&& env.X`
 * in a condition, `env.X ? … :`, `env.X === "…"`, the names of an all-or-none part
 * (`allOrNone(env, "…", ["A", "B"])`, `names = ["A", "B"] as const`), a DSN handed to a client
 * that is off without one, and `const v = env.X` followed by `if (v` / `if (!v`.
 */
export function adapterSwitches(source: string): Set<string> {
  const found = new Set<string>();
  const add = (m: RegExpMatchArray) => {
    const name = m.slice(1).find((g) => g !== undefined);
    if (name) found.add(name);
  };
  const direct = [
    String.raw`if \(\s*!?${READ}`,
    String.raw`!${READ}`,
    String.raw`(?:\|\||&&)\s*${READ}\s*(?:\)|\|\||&&)`,
    String.raw`${READ}\s*\?(?![?.])`,
    String.raw`${READ}\s*[!=]==\s*"`,
    String.raw`\bdsn:\s*${READ}`,
  ];
  for (const p of direct) for (const m of source.matchAll(new RegExp(p, "g"))) add(m);
  const lists = /(?:allOrNone\(env, "[^"]*", |names = )\[([^\]]*)\]/g;
  for (const m of source.matchAll(lists))
    for (const n of m[1]!.matchAll(/"([A-Z][A-Z0-9_]+)"/g)) found.add(n[1]!);
  for (const m of source.matchAll(new RegExp(String.raw`const (\w+) = ${READ}[^;\n]*;`, "g"))) {
    const after = source.slice(m.index! + m[0].length, m.index! + m[0].length + 200);
    if (new RegExp(String.raw`\bif \(\s*!?${m[1]}\b`).test(after)) found.add(m[2] ?? m[3]!);
  }
  return found;
}

/** Which source first tests each switch. */
function switchesInSources(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of sourceFiles()) {
    for (const name of adapterSwitches(read(file))) if (!found.has(name)) found.set(name, file);
  }
  return found;
}

/** The README's configuration table: the `|` rows under "## Configuration". */
function readmeTable(readme: string): string {
  const section = readme.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? "";
  return section
    .split("\n")
    .filter((l) => l.startsWith("|"))
    .join("\n");
}

function undocumented(switches: Map<string, string>, doc: string): string[] {
  return [...switches]
    .filter(([name]) => !new RegExp(String.raw`\b${name}\b`).test(doc))
    .map(([name, file]) => `${name} (tested in ${file})`)
    .sort();
}

describe("adapter switches in the docs", () => {
  it("when a source tests a variable to choose an adapter, then the search finds it (the check can fail)", () => {
    const src = [
      'const url = env["VECTOR_URL"];\nif (url) return remote(url);',
      'if (!env.MAIL_KEY || env.MAIL_MODE === "off") return outbox();',
      'allOrNone(env, "Posting", ["A_KEY", "A_SECRET"]);',
      'const level = env.LOG_LEVEL || "info";',
    ].join("\n");
    expect([...adapterSwitches(src)].sort()).toEqual([
      "A_KEY",
      "A_SECRET",
      "MAIL_KEY",
      "MAIL_MODE",
      "VECTOR_URL",
    ]);
    const table = readmeTable(read("README.md")).replace(/^\|.*`REDIS_URL`.*$/m, "");
    expect(undocumented(switchesInSources(), table)).toEqual([
      "REDIS_URL (tested in services/orchestrator/src/config.ts)",
    ]);
  });

  it("when the code chooses adapters, then the switches include every known one", () => {
    const names = switchesInSources();
    for (const name of [
      "DATABASE_URL",
      "REDIS_URL",
      "S3_BUCKET",
      "SUPABASE_URL",
      "RESEND_API_KEY",
      "AUTOMATION_WEBHOOK_URL",
      "QDRANT_URL",
      "OPENAI_API_KEY",
      "ANTHROPIC_API_KEY",
      "AGENCY_LLM_PROVIDER",
      "AGENCY_LLM_BASE_URL",
      "AGENCY_EMBEDDINGS",
      "SENTRY_DSN",
      "X_API_KEY",
      "LINKEDIN_AUTHOR_URN",
      "YOUTUBE_CLIENT_ID",
      "INSTAGRAM_USER_ID",
    ]) {
      expect(names.has(name), name).toBe(true);
    }
  });

  it("when a variable switches an adapter, then the README's configuration table names it", () => {
    expect(undocumented(switchesInSources(), readmeTable(read("README.md")))).toEqual([]);
  });

  it("when a variable switches an adapter, then docs/architecture.md names it", () => {
    expect(undocumented(switchesInSources(), read("docs/architecture.md"))).toEqual([]);
  });
});
