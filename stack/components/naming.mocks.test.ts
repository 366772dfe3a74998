/**
 * Child names under Pulumi mocks (no Docker is contacted): two instances of Platform and
 * Services on one Docker host derive every Docker name from their own component name.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { plain, recorded, setAgencyMocks, settle } from "../testing/mocks.ts";

setAgencyMocks("naming");

const { composeConfig } = await import("../compose.ts");
const { serviceDefinitions, volumeNames } = await import("../containers.ts");
const { Platform } = await import("./platform.ts");
const { Services } = await import("./services.ts");

describe("two instances on one Docker host", () => {
  it("must not collide: networks, volumes and containers are named after each component", async () => {
    recorded.length = 0;
    const defs = serviceDefinitions(composeConfig()).filter((d) => ["redis", "qdrant"].includes(d.name));
    const secrets = { redisPassword: pulumi.secret("test-r"), qdrantApiKey: pulumi.secret("test-q") };
    for (const name of ["blue", "green"]) {
      const platform = new Platform(name, {
        dockerHost: "ssh://root@203.0.113.10",
        hostPublicKey: "ssh-ed25519 AAAAMOCK",
        connection: { host: "203.0.113.10" },
        stack: "naming",
        volumes: volumeNames(defs),
        images: defs.map((d) => d.image),
        networks: ["backend"],
      });
      new Services(name, { definitions: defs, platform, secrets, stack: "naming" });
    }
    const resources = await settle();
    const names = (type: string) =>
      resources
        .filter((r) => r.type === type)
        .map((r) => (plain(r.inputs) as { name: string }).name)
        .sort();
    expect(names("docker:index/network:Network")).toEqual(["blue-backend", "green-backend"]);
    expect(names("docker:index/volume:Volume")).toEqual(
      ["qdrant-snapshots", "qdrant-storage", "redis-data"].flatMap((v) => [`blue-${v}`, `green-${v}`]).sort(),
    );
    expect(names("docker:index/container:Container")).toEqual([
      "blue-qdrant",
      "blue-redis",
      "green-qdrant",
      "green-redis",
    ]);
    // Each container joins its own platform's network and mounts its own volumes.
    const blueRedis = plain(
      resources.find((r) => r.type === "docker:index/container:Container" && r.name === "blue-redis")!.inputs,
    ) as { networksAdvanced: { name: string }[]; volumes: { volumeName?: string }[] };
    expect(blueRedis.networksAdvanced.map((n) => n.name)).toEqual(["blue-backend"]);
    expect(blueRedis.volumes.map((v) => v.volumeName)).toEqual(["blue-redis-data"]);
  });
});
