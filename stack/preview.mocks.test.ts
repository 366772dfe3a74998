/**
 * A preview stack (agency:preview=pr-12) of the real program under Pulumi mocks
 * (stack/testing/mocks.ts), compared with what production gets.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  PROD_CONFIG,
  plain,
  recorded,
  setAgencyMocks,
  settle,
  useConfig,
  type Recorded,
} from "./testing/mocks.ts";

setAgencyMocks("pr-12");

const { loadConfig } = await import("./config.ts");
const { defineAgency } = await import("./program.ts");

describe("a preview stack for pr-12", () => {
  let resources: Recorded[];
  let outputs: ReturnType<typeof defineAgency>;
  beforeAll(async () => {
    recorded.length = 0;
    // What `pulumi stack init pr-12 --copy-config-from prod` plus the one setting gives.
    useConfig({ ...PROD_CONFIG, "agency:preview": "pr-12" });
    const cfg = loadConfig();
    outputs = defineAgency(cfg);
    resources = await settle();
    console.log(`preview stack: ${resources.length} resources registered (plus the stack itself)`);
  });

  const server = () =>
    plain(resources.find((r) => r.type === "hcloud:index/server:Server")!.inputs) as Record<string, unknown>;
  const containerNames = () =>
    resources
      .filter((r) => r.type === "docker:index/container:Container")
      .map((r) => String((plain(r.inputs) as { name: string }).name));

  it("when previewed, then its host names carry the pr-12 prefix", () => {
    expect(outputs.urls).toEqual({
      agency: "https://pr-12-agency.example.com",
      api: "https://pr-12-api.example.com",
      automations: "https://pr-12-automations.example.com",
    });
    const names = resources
      .filter((r) => r.type === "cloudflare:index/dnsRecord:DnsRecord")
      .map((r) => (plain(r.inputs) as { name: string }).name);
    expect(names.sort()).toEqual([
      "pr-12-agency.example.com",
      "pr-12-api.example.com",
      "pr-12-automations.example.com",
    ]);
  });

  it("when previewed, then it runs on the smaller previewServerType, not production's cx33", () => {
    expect(server().serverType).toBe("cx23");
  });

  it("when previewed, then it has its own container database and no Grafana", () => {
    expect(containerNames()).toContain("agency-postgres");
    expect(containerNames()).not.toContain("agency-grafana");
  });

  it("when previewed, then nothing is protected, so `pulumi destroy` removes it all", () => {
    expect(server().deleteProtection).toBe(false);
    expect(server().rebuildProtection).toBe(false);
    expect(outputs.deleteProtection).toBe(false);
  });
});
