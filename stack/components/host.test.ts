import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { checkServerType, firewallRules, renderCloudInit } from "./host.ts";

const type = (
  over: Partial<Parameters<typeof checkServerType>[0]> = {},
): Parameters<typeof checkServerType>[0] => ({
  name: "cx23",
  memory: 4,
  isDeprecated: false,
  locations: [
    { name: "nbg1", available: true },
    { name: "fsn1", available: false },
  ],
  ...over,
});

describe("host", () => {
  it("must open only 22, 80 and 443, with 22 limited to the given ranges", () => {
    expect(firewallRules(["198.51.100.7/32"])).toEqual([
      { direction: "in", protocol: "tcp", port: "22", sourceIps: ["198.51.100.7/32"], description: "ssh" },
      {
        direction: "in",
        protocol: "tcp",
        port: "80",
        sourceIps: ["0.0.0.0/0", "::/0"],
        description: "http (ACME, redirect)",
      },
      {
        direction: "in",
        protocol: "tcp",
        port: "443",
        sourceIps: ["0.0.0.0/0", "::/0"],
        description: "https",
      },
      {
        direction: "in",
        protocol: "udp",
        port: "443",
        sourceIps: ["0.0.0.0/0", "::/0"],
        description: "http/3",
      },
    ]);
  });

  it("when cloud-init is rendered, then Docker, UFW deny-by-default, fail2ban, key-only SSH and unattended upgrades are set up", () => {
    const text = renderCloudInit({ sshSourceRanges: ["198.51.100.7/32"] });
    expect(text.startsWith("#cloud-config\n")).toBe(true);
    const doc = parse(text) as {
      packages: string[];
      runcmd: string[];
      ssh_pwauth: boolean;
      write_files: { path: string; content: string }[];
    };
    expect(doc.packages).toEqual(
      expect.arrayContaining(["docker-ce", "ufw", "fail2ban", "unattended-upgrades"]),
    );
    expect(doc.ssh_pwauth).toBe(false);
    expect(doc.runcmd).toEqual(
      expect.arrayContaining([
        "ufw default deny incoming",
        "ufw allow from 198.51.100.7/32 to any port 22 proto tcp",
        "ufw allow 80/tcp",
        "ufw allow 443/tcp",
        "ufw --force enable",
      ]),
    );
    expect(doc.runcmd).not.toContain("ufw allow 22/tcp");
    expect(doc.write_files.find((f) => f.path.startsWith("/etc/ssh/"))!.content).toContain(
      "PasswordAuthentication no",
    );
    expect(doc.write_files.find((f) => f.path === "/etc/apt/apt.conf.d/20auto-upgrades")!.content).toContain(
      'Unattended-Upgrade "1"',
    );
  });

  it("when SSH is open to everyone, then UFW allows 22 without a source", () => {
    expect(parse(renderCloudInit({ sshSourceRanges: ["0.0.0.0/0", "::/0"] })).runcmd).toContain(
      "ufw allow 22/tcp",
    );
  });

  it("when the server type is available at the location, then there is nothing to say", () => {
    expect(checkServerType(type(), "nbg1", 4096)).toBeUndefined();
  });

  it("when the type is missing, unavailable, deprecated or too small, then the message says which", () => {
    expect(checkServerType(type(), "hel1", 4096)).toBe(
      "server type cx23 is not offered in hel1; it is in nbg1",
    );
    expect(checkServerType(type(), "fsn1", 4096)).toMatch(/temporarily unavailable in fsn1/);
    expect(checkServerType(type({ isDeprecated: true }), "nbg1", 4096)).toMatch(/deprecated/);
    expect(checkServerType(type(), "nbg1", 8192)).toMatch(/has 4 GB, less than the 8192 MB/);
  });
});
