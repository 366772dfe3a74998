import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PLACEHOLDER_HOST_KEY as HOST_KEY } from "../bin/render.ts";
import {
  DOCKER_VERSION,
  checkServerType,
  dockerSshOpts,
  firewallRules,
  renderAccessScript,
  renderCloudInit,
} from "./host.ts";

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

  it("when cloud-init is rendered, then pinned Docker, UFW deny-by-default, fail2ban, key-only SSH, unattended upgrades and the host key are set up", () => {
    const text = renderCloudInit({ hostKey: HOST_KEY });
    expect(text.startsWith("#cloud-config\n")).toBe(true);
    const doc = parse(text) as {
      packages: (string | string[])[];
      runcmd: string[];
      ssh_pwauth: boolean;
      ssh_keys: Record<string, string>;
      write_files: { path: string; content: string }[];
    };
    expect(doc.packages).toEqual(
      expect.arrayContaining([
        ["docker-ce", DOCKER_VERSION],
        ["docker-ce-cli", DOCKER_VERSION],
        "ufw",
        "fail2ban",
        "unattended-upgrades",
      ]),
    );
    expect(DOCKER_VERSION).toMatch(/^5:28\./);
    expect(doc.ssh_pwauth).toBe(false);
    expect(doc.ssh_keys).toEqual({
      ed25519_private: HOST_KEY.privateKey,
      ed25519_public: HOST_KEY.publicKey,
    });
    expect(doc.runcmd).toEqual(
      expect.arrayContaining([
        "apt-mark hold docker-ce docker-ce-cli",
        "ufw default deny incoming",
        "ufw allow 80/tcp",
        "ufw allow 443/tcp",
        "ufw --force enable",
      ]),
    );
    const daemon = JSON.parse(doc.write_files.find((f) => f.path === "/etc/docker/daemon.json")!.content);
    expect(daemon.features).toEqual({ "containerd-snapshotter": false });
    expect(doc.write_files.find((f) => f.path.startsWith("/etc/ssh/"))!.content).toContain(
      "PasswordAuthentication no",
    );
    expect(doc.write_files.find((f) => f.path === "/etc/apt/apt.conf.d/20auto-upgrades")!.content).toContain(
      'Unattended-Upgrade "1"',
    );
  });

  describe("the access script, run by bash against a recording ufw", () => {
    // stack/testing/fake-ufw.sh stands in for ufw: no firewall may be changed on this machine.
    const FAKE_UFW = path.join(import.meta.dirname, "../testing/fake-ufw.sh");
    function run(script: string, state: string, home: string) {
      const bin = path.join(home, "bin");
      mkdirSync(bin, { recursive: true });
      copyFileSync(FAKE_UFW, path.join(bin, "ufw"));
      // The script writes /root/.ssh: run it with that mapped into the temp folder.
      const rooted = script.replaceAll("/root/.ssh", path.join(home, "root/.ssh"));
      execFileSync("bash", ["-s"], {
        input: rooted,
        env: { PATH: `${bin}:${process.env.PATH}`, UFW_STATE: state },
      });
    }

    it("when the ranges and keys change, then only the agency's SSH rules and root's keys are replaced", () => {
      const home = mkdtempSync(path.join(tmpdir(), "access-"));
      const state = path.join(home, "rules");
      writeFileSync(
        state,
        "80/tcp                     ALLOW IN    Anywhere\n22/tcp                     ALLOW IN    - # agency-ssh\n",
      );
      run(
        renderAccessScript({ sshPublicKeys: ["ssh-ed25519 AAAA1 a"], sshSourceRanges: ["198.51.100.7/32"] }),
        state,
        home,
      );
      expect(readFileSync(state, "utf8")).not.toMatch(/^22\/tcp/m);
      run(
        renderAccessScript({
          sshPublicKeys: ["ssh-ed25519 AAAA2 b", "ssh-ed25519 AAAA3 c"],
          sshSourceRanges: ["203.0.113.0/24", "2001:db8::/32"],
        }),
        state,
        home,
      );
      const rules = readFileSync(state, "utf8");
      expect(rules).toContain("80/tcp");
      expect(rules).not.toContain("198.51.100.7/32");
      expect(rules.match(/# agency-ssh/g)).toHaveLength(2);
      expect(rules).toContain("proto tcp from 203.0.113.0/24 to any port 22");
      expect(rules).toContain("proto tcp from 2001:db8::/32 to any port 22");
      expect(readFileSync(path.join(home, "root/.ssh/authorized_keys"), "utf8")).toBe(
        "ssh-ed25519 AAAA2 b\nssh-ed25519 AAAA3 c\n",
      );
    });

    it("when SSH is open to everyone, then one rule allows 22 without a source", () => {
      const script = renderAccessScript({
        sshPublicKeys: ["ssh-ed25519 AAAA1 a"],
        sshSourceRanges: ["0.0.0.0/0", "::/0"],
      });
      expect(script).toContain("ufw allow 22/tcp comment 'agency-ssh'");
      expect(script).not.toContain("from 0.0.0.0/0");
    });
  });

  it("when the docker provider's ssh options are built, then only the pinned host key is accepted", () => {
    const opts = dockerSshOpts(`${HOST_KEY.publicKey}\n`);
    expect(opts).toContain("StrictHostKeyChecking=yes");
    expect(opts).toContain("UserKnownHostsFile=/dev/null");
    expect(opts).toContain(`KnownHostsCommand=/bin/echo %H ${HOST_KEY.publicKey}`);
    expect(opts.join(" ")).not.toContain("accept-new");
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
