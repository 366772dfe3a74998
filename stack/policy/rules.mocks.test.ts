/**
 * The CrossGuard rules, called directly: on hand-made bad resources, and on every resource the
 * real program registers under Pulumi mocks (stack/testing/mocks.ts), which must pass them all.
 */
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { beforeAll, describe, expect, it } from "vitest";
import { PROD_CONFIG, plain, recorded, setAgencyMocks, settle, useConfig } from "../testing/mocks.ts";
import {
  firewallOnlyWebAndSsh,
  noPrivilegedOrSocket,
  onlyCaddyPublishesPorts,
  policies,
  statefulOnInternalNetwork,
} from "./rules.ts";

setAgencyMocks("prod");

type Res = { type: string; name?: string; props: Record<string, unknown> };

async function violations(
  policy: ResourceValidationPolicy | StackValidationPolicy,
  resources: Res[],
): Promise<string[]> {
  const found: string[] = [];
  const report = (message: string) => found.push(message);
  if ("validateResource" in policy) {
    for (const r of resources) {
      const validate = policy.validateResource as (
        a: unknown,
        r: (m: string) => void,
      ) => void | Promise<void>;
      await validate(
        { type: r.type, props: r.props, urn: `urn:${r.name}`, name: r.name ?? "x", opts: {} },
        report,
      );
    }
  } else {
    const stackResources = resources.map(
      (r) =>
        ({
          type: r.type,
          props: r.props,
          urn: `urn:${r.name}`,
          name: r.name ?? "x",
        }) as unknown as PolicyResource,
    );
    const validate = (policy as StackValidationPolicy).validateStack as (
      a: unknown,
      r: (m: string) => void,
    ) => void | Promise<void>;
    await validate({ resources: stackResources }, report);
  }
  return found;
}

const container = (name: string, props: Record<string, unknown> = {}): Res => ({
  type: "docker:index/container:Container",
  name,
  props: { name: `agency-${name}`, ...props },
});

describe("security policies", () => {
  it("when a container other than caddy publishes a port, then it is a violation", async () => {
    expect(
      await violations(onlyCaddyPublishesPorts, [
        container("redis", { ports: [{ internal: 6379, external: 6379 }] }),
      ]),
    ).toEqual(["container agency-redis publishes ports 6379; only caddy may"]);
    expect(
      await violations(onlyCaddyPublishesPorts, [
        container("caddy", { ports: [{ internal: 2019, external: 2019 }] }),
      ]),
    ).toHaveLength(1);
    expect(
      await violations(onlyCaddyPublishesPorts, [
        container("redis", { ports: [{ internal: 6379, external: 6379, ip: "10.70.0.2" }] }),
      ]),
    ).toEqual([]);
  });

  it("must flag privileged containers and Docker socket mounts", async () => {
    expect(await violations(noPrivilegedOrSocket, [container("a", { privileged: true })])).toHaveLength(1);
    expect(
      await violations(noPrivilegedOrSocket, [
        container("b", { volumes: [{ hostPath: "/var/run/docker.sock", containerPath: "/s" }] }),
      ]),
    ).toHaveLength(1);
    expect(
      await violations(noPrivilegedOrSocket, [
        container("c", { volumes: [{ hostPath: "/", containerPath: "/rootfs" }] }),
      ]),
    ).toHaveLength(1);
  });

  it("when a stateful container joins a network with a route out, then it is a violation", async () => {
    const nets: Res[] = [
      { type: "docker:index/network:Network", props: { name: "backend", internal: true } },
      { type: "docker:index/network:Network", props: { name: "edge", internal: false } },
    ];
    const state = (networks: string[]) =>
      container("postgres", {
        labels: [{ label: "agency.role", value: "state" }],
        networksAdvanced: networks.map((name) => ({ name })),
      });
    expect(await violations(statefulOnInternalNetwork, [...nets, state(["backend"])])).toEqual([]);
    expect(await violations(statefulOnInternalNetwork, [...nets, state(["backend", "edge"])])).toEqual([
      "stateful container agency-postgres joins edge, which is not internal",
    ]);
  });

  it("must not let a firewall open a port beyond 22, 80 and 443", async () => {
    const fw = (rules: unknown[]): Res => ({ type: "hcloud:index/firewall:Firewall", props: { rules } });
    expect(
      await violations(firewallOnlyWebAndSsh, [
        fw([{ direction: "in", protocol: "tcp", port: "5432", sourceIps: ["0.0.0.0/0"] }]),
      ]),
    ).toHaveLength(1);
    expect(
      await violations(firewallOnlyWebAndSsh, [
        fw([{ direction: "in", protocol: "icmp", sourceIps: ["0.0.0.0/0"] }]),
      ]),
    ).toHaveLength(1);
    expect(
      await violations(firewallOnlyWebAndSsh, [
        fw([{ direction: "in", protocol: "tcp", port: "443", sourceIps: ["0.0.0.0/0"] }]),
      ]),
    ).toEqual([]);
  });

  describe("on the real program", () => {
    let resources: Res[];
    beforeAll(async () => {
      recorded.length = 0;
      useConfig(PROD_CONFIG);
      const { loadConfig } = await import("../config.ts");
      const { defineAgency } = await import("../program.ts");
      const cfg = loadConfig();
      defineAgency(cfg);
      resources = (await settle()).map((r) => ({
        type: r.type,
        name: r.name,
        props: plain(r.inputs) as Record<string, unknown>,
      }));
    });

    it("when the production stack is checked, then no policy is violated", async () => {
      for (const policy of policies) expect(await violations(policy, resources), policy.name).toEqual([]);
    });
  });
});
