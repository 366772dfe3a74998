/**
 * Every container the operator docs tell someone to exec into, read the logs of, restart, stop
 * or start is one the stack deploys under that name, in any of its configurations.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { composeConfig } from "./compose.ts";
import { REPO_ROOT } from "./delivery.ts";
import { serviceDefinitions } from "./containers.ts";

const DOCS = ["docs/runbook.md", "docs/operations.md", "docs/stack.md"];
const ONE = new Set(["exec", "logs", "inspect"]);
const MANY = new Set(["restart", "stop", "start", "pause", "unpause", "kill"]);
const WITH_VALUE = new Set(["--since", "--tail", "--until", "--format", "-e", "-u", "-w", "--filter"]);

/** The container names `docker <verb> …` commands in `text` act on (placeholders such as <container> left out). */
export function dockerTargets(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(
    /docker ((?:exec|logs|inspect|restart|stop|start|pause|unpause|kill)\b[^`\n|;&]*)/g,
  )) {
    const [verb, ...rest] = m[1]!.trim().split(/\s+/);
    const names: string[] = [];
    for (let i = 0; i < rest.length; i++) {
      const t = rest[i]!;
      if (t.startsWith("-")) {
        if (WITH_VALUE.has(t)) i++;
        continue;
      }
      if (!/^[a-z<][a-z0-9<>_.-]*$/.test(t)) break;
      names.push(t);
      if (ONE.has(verb!)) break;
    }
    if (!MANY.has(verb!) && !ONE.has(verb!)) continue;
    found.push(...names.filter((n) => !n.startsWith("<")));
  }
  return found;
}

/** Every container name some configuration deploys: both databases, Grafana on and off, workers. */
function deployedNames(): Set<string> {
  const base = composeConfig();
  const variants = [
    base,
    { ...base, grafana: false },
    { ...base, database: "external" as const, workers: { count: 2, serverType: "cx23" } },
  ];
  return new Set(variants.flatMap((cfg) => serviceDefinitions(cfg).map((d) => `agency-${d.name}`)));
}

describe("container names in the operator docs", () => {
  it("when the runbook and operations docs name a container, then the stack deploys one by that name", () => {
    const deployed = deployedNames();
    const named = DOCS.flatMap((doc) =>
      dockerTargets(readFileSync(path.join(REPO_ROOT, doc), "utf8")).map((n) => ({ doc, n })),
    );
    expect(named.length).toBeGreaterThan(30);
    expect(named.filter(({ n }) => !deployed.has(n))).toEqual([]);
  });

  it("when a command names a role instead of a container, then it is caught", () => {
    const deployed = deployedNames();
    const bad = [
      "docker exec prometheus promtool query instant http://localhost:9090 'up'",
      "docker logs caddy",
      "docker restart orchestrator",
      "docker logs --since 15m agency-orchestrator",
    ].flatMap(dockerTargets);
    expect(bad).toEqual(["prometheus", "caddy", "orchestrator", "agency-orchestrator"]);
    expect(bad.filter((n) => !deployed.has(n))).toEqual(bad);
    expect(
      dockerTargets("docker stop agency-orchestrator-1 agency-worker && docker start agency-n8n"),
    ).toEqual(["agency-orchestrator-1", "agency-worker", "agency-n8n"]);
  });
});
