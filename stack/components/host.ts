/**
 * A Hetzner server ready for containers: its SSH keys, a firewall open only on 22/80/443, the
 * server with cloud-init (Docker, UFW, fail2ban, key-only SSH, unattended upgrades) and a remote
 * command that returns only when cloud-init has finished, so Docker resources never race the boot.
 */
import * as command from "@pulumi/command";
import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";

export interface FirewallRule {
  direction: "in";
  protocol: "tcp" | "udp";
  port: string;
  sourceIps: string[];
  description: string;
}

const ANYWHERE = ["0.0.0.0/0", "::/0"];

/** Inbound rules: SSH from the given ranges, HTTP and HTTPS (and HTTP/3) from anywhere. */
export function firewallRules(sshSourceRanges: string[]): FirewallRule[] {
  return [
    { direction: "in", protocol: "tcp", port: "22", sourceIps: [...sshSourceRanges], description: "ssh" },
    {
      direction: "in",
      protocol: "tcp",
      port: "80",
      sourceIps: ANYWHERE,
      description: "http (ACME, redirect)",
    },
    { direction: "in", protocol: "tcp", port: "443", sourceIps: ANYWHERE, description: "https" },
    { direction: "in", protocol: "udp", port: "443", sourceIps: ANYWHERE, description: "http/3" },
  ];
}

export interface CloudInitOptions {
  sshSourceRanges: string[];
}

/**
 * cloud-init user-data. Kept free of anything that changes between deploys: a change here
 * replaces the server.
 */
export function renderCloudInit(opts: CloudInitOptions): string {
  const open = (range: string[]) => range.every((r) => ANYWHERE.includes(r)) && range.length > 0;
  const sshRules = open(opts.sshSourceRanges)
    ? ["ufw allow 22/tcp"]
    : opts.sshSourceRanges.map((r) => `ufw allow from ${r} to any port 22 proto tcp`);
  const doc = {
    package_update: true,
    package_upgrade: true,
    apt: {
      sources: {
        docker: {
          source: "deb [signed-by=$KEY_FILE] https://download.docker.com/linux/ubuntu $RELEASE stable",
          keyid: "9DC858229FC7DD38854AE2D88D81803C0EBFCD88",
        },
      },
    },
    packages: [
      "docker-ce",
      "docker-ce-cli",
      "containerd.io",
      "docker-buildx-plugin",
      "docker-compose-plugin",
      "ufw",
      "fail2ban",
      "unattended-upgrades",
      "rclone",
      // Encrypts the backups before they leave the server (stack/backup/agency-backup-lib.sh).
      "openssl",
    ],
    ssh_pwauth: false,
    disable_root: false,
    write_files: [
      {
        path: "/etc/ssh/sshd_config.d/10-agency.conf",
        permissions: "0644",
        content:
          "PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n",
      },
      {
        path: "/etc/fail2ban/jail.d/sshd.local",
        permissions: "0644",
        content: "[sshd]\nenabled = true\nbackend = systemd\nmaxretry = 5\nbantime = 1h\n",
      },
      {
        path: "/etc/apt/apt.conf.d/20auto-upgrades",
        permissions: "0644",
        content: 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n',
      },
      {
        path: "/etc/docker/daemon.json",
        permissions: "0644",
        content: `${JSON.stringify({ "log-driver": "local", "live-restore": true, "no-new-privileges": true })}\n`,
      },
    ],
    runcmd: [
      "ufw default deny incoming",
      "ufw default allow outgoing",
      ...sshRules,
      "ufw allow 80/tcp",
      "ufw allow 443/tcp",
      "ufw allow 443/udp",
      "ufw --force enable",
      "systemctl enable --now docker fail2ban unattended-upgrades",
      "systemctl restart ssh || systemctl restart sshd",
      "install -d -m 0755 /opt/agency",
    ],
  };
  return `#cloud-config\n${stringify(doc, { lineWidth: 0 })}`;
}

/** The server types and locations the API offers, checked before the server is asked for. */
export function checkServerType(
  type: {
    name?: string;
    memory: number;
    isDeprecated: boolean;
    locations: { name: string; available: boolean }[];
  },
  location: string,
  plannedMemoryMb: number,
): string | undefined {
  const at = type.locations.find((l) => l.name === location);
  if (type.isDeprecated)
    return `server type ${type.name} is deprecated by Hetzner; choose a current one (cx23, cx33, …)`;
  if (!at) {
    const offered = type.locations.filter((l) => l.available).map((l) => l.name);
    return `server type ${type.name} is not offered in ${location}; it is in ${offered.join(", ") || "no location"}`;
  }
  if (!at.available)
    return `server type ${type.name} is temporarily unavailable in ${location}; choose another type or location`;
  if (type.memory * 1024 < plannedMemoryMb) {
    return `server type ${type.name} has ${type.memory} GB, less than the ${plannedMemoryMb} MB the memory limits were planned for`;
  }
  return undefined;
}

export interface HostArgs {
  /** Role of the server, a label and part of its name. Defaults to main. */
  role?: "main" | "worker";
  /** Hetzner server type. Defaults to cx23. */
  serverType?: string;
  /** Memory the container limits were planned for, in MB; checked against the real type. Defaults to 4096. */
  plannedMemoryMb?: number;
  /** Hetzner location. Defaults to nbg1. */
  location?: string;
  /** OpenSSH public keys for root. Required, at least one. */
  sshPublicKeys: string[];
  /** Ids of Hetzner SSH keys to reuse instead of creating keys (Hetzner refuses a key twice). Defaults to creating them. */
  sshKeyIds?: pulumi.Input<string>[];
  /** Source ranges allowed on port 22. Required: an empty list closes it, no default opens it to the world. */
  sshSourceRanges: string[];
  /** Delete and rebuild protection. Defaults to true. */
  protect?: boolean;
  /** Attach to a private network at this address. Defaults to none. */
  privateNetwork?: { networkId: pulumi.Input<number>; ip: string; dependsOn: pulumi.Resource[] };
  /** Private key for the cloud-init check; without it the SSH agent is used. Defaults to the agent. */
  sshPrivateKey?: pulumi.Input<string>;
  /** Labels on every Hetzner resource. Defaults to none. */
  labels?: Record<string, string>;
}

export class Host extends pulumi.ComponentResource {
  readonly server: hcloud.Server;
  readonly firewall: hcloud.Firewall;
  readonly ipv4: pulumi.Output<string>;
  /** Ids of the SSH keys the server trusts, for other hosts to reuse. */
  readonly sshKeyIds: pulumi.Input<string>[];
  /** Resolves once cloud-init has finished; anything that talks to Docker waits for it. */
  readonly ready: command.remote.Command;
  /** ssh://root@ip, known only after cloud-init has finished. */
  readonly dockerHost: pulumi.Output<string>;

  constructor(name: string, args: HostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("agency:stack:Host", name, {}, opts);
    if (!args.sshPublicKeys.length) {
      throw new pulumi.ResourceError("Host needs at least one SSH public key (agency:sshPublicKeys)", this);
    }
    const role = args.role ?? "main";
    const location = args.location ?? "nbg1";
    const serverType = args.serverType ?? "cx23";
    const labels = { ...args.labels, "agency-role": role };
    const protect = args.protect ?? true;

    this.sshKeyIds =
      args.sshKeyIds ??
      args.sshPublicKeys.map(
        (publicKey, i) => new hcloud.SshKey(`${name}-key-${i}`, { publicKey, labels }, { parent: this }).id,
      );

    this.firewall = new hcloud.Firewall(
      `${name}-firewall`,
      { labels, rules: firewallRules(args.sshSourceRanges) },
      { parent: this },
    );

    const checkedType = pulumi
      .all([
        hcloud.getServerTypeOutput({ name: serverType }, { parent: this }),
        hcloud.getLocationOutput({ name: location }, { parent: this }),
      ])
      .apply(([type, loc]) => {
        const problem = checkServerType(type, loc.name ?? location, args.plannedMemoryMb ?? 4096);
        if (problem) throw new pulumi.ResourceError(`${problem} (agency:serverType / agency:location)`, this);
        return type.name ?? serverType;
      });

    this.server = new hcloud.Server(
      `${name}-server`,
      {
        serverType: checkedType,
        location,
        image: "ubuntu-24.04",
        sshKeys: this.sshKeyIds,
        firewallIds: [this.firewall.id.apply(Number)],
        userData: renderCloudInit({ sshSourceRanges: args.sshSourceRanges }),
        publicNets: [{ ipv4Enabled: true, ipv6Enabled: true }],
        networks: args.privateNetwork
          ? [{ networkId: args.privateNetwork.networkId, ip: args.privateNetwork.ip }]
          : undefined,
        deleteProtection: protect,
        rebuildProtection: protect,
        labels,
      },
      { parent: this, protect, dependsOn: args.privateNetwork?.dependsOn },
    );
    this.ipv4 = this.server.ipv4Address;

    this.ready = new command.remote.Command(
      `${name}-cloud-init`,
      {
        connection: {
          host: this.ipv4,
          user: "root",
          privateKey: args.sshPrivateKey,
          dialErrorLimit: 60,
          perDialTimeout: 10,
        },
        // Exit status 2 means finished with recoverable errors, which still leaves a usable host.
        create:
          "cloud-init status --wait >/dev/null || [ $? -eq 2 ]; docker version --format '{{.Server.Version}}'",
      },
      { parent: this, dependsOn: [this.server] },
    );
    this.dockerHost = pulumi.interpolate`ssh://root@${this.ready.stdout.apply(() => "")}${this.ipv4}`;

    this.registerOutputs({ ipv4: this.ipv4, dockerHost: this.dockerHost });
  }
}
