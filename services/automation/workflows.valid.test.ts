/**
 * The flows in workflows/ are n8n workflows the pinned n8n imports as they are: every node type and
 * typeVersion exists in its n8n-nodes-base (read from the installed package's node list), the
 * connections and `$('…')` references name existing nodes, Code nodes compile, and no secret is
 * written into a file. The real-n8n run is in lead-warmup.n8n.test.ts.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { RUNTIME_DIR, WORKFLOWS_DIR, ensureN8n, readWorkflow, type N8nWorkflow } from "./testing/n8n.ts";

const files = readdirSync(WORKFLOWS_DIR).filter((f) => f.endsWith(".json"));
const workflows: Array<[string, N8nWorkflow]> = files.map((f) => [f, readWorkflow(f)]);
let nodeVersions: Map<string, number[]>;

beforeAll(async () => {
  await ensureN8n();
  const described = JSON.parse(
    readFileSync(path.join(RUNTIME_DIR, "node_modules/n8n-nodes-base/dist/types/nodes.json"), "utf8"),
  ) as Array<{ name: string; version: number | number[] }>;
  nodeVersions = new Map();
  for (const d of described) {
    const type = `n8n-nodes-base.${d.name}`;
    nodeVersions.set(type, [...(nodeVersions.get(type) ?? []), ...[d.version].flat()]);
  }
}, 20 * 60_000);

/** Every string in a value, with where it sits. */
function strings(value: unknown, at = ""): Array<[string, string]> {
  if (typeof value === "string") return [[at, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${at}[${i}]`));
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => strings(v, at ? `${at}.${k}` : k));
  }
  return [];
}

const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (
  ...args: string[]
) => unknown;

describe("services/automation/workflows", () => {
  it("when the folder is read, then it holds the three flows", () => {
    expect(files.sort()).toEqual(["content-distribution.json", "lead-warmup.json", "monitoring.json"]);
  });

  it.each(workflows)(
    "when %s is checked against the installed n8n, then every node type and typeVersion exists",
    (_f, wf) => {
      expect(wf.nodes.length).toBeGreaterThan(0);
      for (const node of wf.nodes) {
        const versions = nodeVersions.get(node.type);
        expect(versions, `${node.name}: unknown node type ${node.type}`).toBeDefined();
        expect(versions, `${node.name}: ${node.type} has no typeVersion ${node.typeVersion}`).toContain(
          node.typeVersion,
        );
      }
    },
  );

  it.each(workflows)(
    "when %s is read, then ids and names are unique and every connection names existing nodes",
    (_f, wf) => {
      // n8n's CLI (`execute`, `update:workflow`) accepts ids of at most 16 characters.
      expect(wf.id).toMatch(/^[A-Za-z0-9]{1,16}$/);
      expect(wf.active).toBe(false);
      const names = wf.nodes.map((n) => n.name);
      expect(new Set(names).size).toBe(names.length);
      expect(new Set(wf.nodes.map((n) => n.id)).size).toBe(names.length);
      for (const [source, outputs] of Object.entries(wf.connections)) {
        expect(names, `connection from missing node ${source}`).toContain(source);
        for (const targets of Object.values(outputs).flat()) {
          for (const t of targets) expect(names, `connection to missing node ${t.node}`).toContain(t.node);
        }
      }
      // Every node but the triggers has an input; nothing dangles.
      const targets = new Set(
        Object.values(wf.connections).flatMap((o) =>
          Object.values(o)
            .flat(2)
            .map((t) => t.node),
        ),
      );
      for (const node of wf.nodes) {
        if (!/Trigger$|\.webhook$/.test(node.type))
          expect(targets, `${node.name} has no input`).toContain(node.name);
      }
      for (const [where, value] of strings(wf.nodes)) {
        for (const m of value.matchAll(/\$\(\s*'([^']+)'\s*\)/g)) {
          expect(names, `${where} refers to missing node ${m[1]}`).toContain(m[1]);
        }
      }
    },
  );

  it.each(workflows)("when %s's Code nodes are compiled, then they parse", (_f, wf) => {
    for (const node of wf.nodes.filter((n) => n.type === "n8n-nodes-base.code")) {
      expect(
        () =>
          new AsyncFunction(
            "$input",
            "$env",
            "$getWorkflowStaticData",
            "$",
            node.parameters.jsCode as string,
          ),
        node.name,
      ).not.toThrow();
    }
  });

  it("when webhooks are registered, then their paths are unique and each has a webhookId", () => {
    const hooks = workflows.flatMap(([, wf]) => wf.nodes.filter((n) => n.type === "n8n-nodes-base.webhook"));
    expect(hooks.map((h) => h.parameters.path)).toEqual(["agency/cms-publish", "agency/lead-ready"]);
    for (const h of hooks) {
      expect(h.webhookId).toMatch(/^[0-9a-f-]{36}$/);
      // The raw body is needed to check the HMAC over exactly the bytes that were signed.
      expect(h.parameters.options).toMatchObject({ rawBody: true });
      expect(h.parameters.responseMode).toBe("responseNode");
    }
  });

  it.each(workflows)(
    "when %s is scanned for secrets, then none is written into it and credentials come from the environment",
    (_f, wf) => {
      const raw = JSON.stringify(wf);
      expect(raw).not.toMatch(/Bearer [A-Za-z0-9_\-.]{8,}/);
      expect(raw).not.toMatch(/sha256=[0-9a-f]{16,}/);
      expect(raw).not.toMatch(/\bre_[A-Za-z0-9]{16,}/); // Resend keys
      for (const node of wf.nodes) expect(node.credentials, node.name).toBeUndefined();
      for (const [where, value] of strings(wf)) {
        // Long opaque tokens (other than the node and webhook UUIDs and versionId) would be secrets.
        if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value)) continue;
        expect(value, where).not.toMatch(/^[A-Za-z0-9+/_-]{32,}={0,2}$/);
        if (/(secret|token|password|api.?key|authorization)$/i.test(where)) {
          expect(value, `${where} must be an expression reading $env`).toMatch(/^=.*\$env\./);
        }
      }
      const headerValues = strings(wf).filter(([w]) => /headerParameters.*value$/.test(w));
      for (const [where, value] of headerValues) expect(value, where).toMatch(/\$env\.N8N_/);
    },
  );

  it("when every $env variable the flows read is listed, then the README documents each one", () => {
    const readme = readFileSync(path.resolve(WORKFLOWS_DIR, "../README.md"), "utf8");
    const used = new Set(
      workflows.flatMap(([, wf]) =>
        [...JSON.stringify(wf).matchAll(/\$env\.([A-Z0-9_]+)/g)].map((m) => m[1]!),
      ),
    );
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) expect(readme, `README.md does not mention ${name}`).toContain(name);
  });

  it("when the warm-up's wait variables are unset, then the waits are the production delays (2 and 3 days)", () => {
    const wf = readWorkflow("lead-warmup.json");
    const waits = wf.nodes.filter((n) => n.type === "n8n-nodes-base.wait");
    expect(waits.map((w) => w.name)).toEqual(["Wait before email 2", "Wait before email 3"]);
    const evaluate = (expr: string, env: Record<string, string>) =>
      new Function("$env", `return (${expr.replace(/^=\{\{([\s\S]*)\}\}$/, "$1")});`)(env) as number;
    expect(waits.map((w) => [evaluate(w.parameters.amount as string, {}), w.parameters.unit])).toEqual([
      [172800, "seconds"],
      [259200, "seconds"],
    ]);
    expect(
      waits.map((w) =>
        evaluate(w.parameters.amount as string, {
          N8N_WARMUP_WAIT_1_SECONDS: "1",
          N8N_WARMUP_WAIT_2_SECONDS: "2",
        }),
      ),
    ).toEqual([1, 2]);
  });
});
