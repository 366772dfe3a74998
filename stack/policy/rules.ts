/**
 * The stack's security rules as CrossGuard policies; index.ts packs them for
 * `pulumi preview --policy-pack stack/policy`. Kept apart from the pack so tests can call them.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

const CONTAINER = "docker:index/container:Container";
const NETWORK = "docker:index/network:Network";
const FIREWALL = "hcloud:index/firewall:Firewall";
const OPEN_PORTS = new Set(["22", "80", "443"]);

interface Port {
  external?: number;
  internal: number;
  ip?: string;
}
/** Ports bound to the Hetzner private network (worker servers reach Redis there) are not public. */
const isPrivate = (ip?: string) => !!ip && /^10\./.test(ip);

export const onlyCaddyPublishesPorts: ResourceValidationPolicy = {
  name: "only-caddy-publishes-ports",
  description: "Only the caddy container publishes ports, and only 80 and 443.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== CONTAINER) return;
    const ports = ((args.props.ports as Port[] | undefined) ?? []).filter((p) => !isPrivate(p.ip));
    if (!ports.length) return;
    if (args.props.name !== "agency-caddy") {
      report(
        `container ${String(args.props.name)} publishes ports ${ports.map((p) => p.external ?? p.internal).join(", ")}; only caddy may`,
      );
    } else {
      const bad = ports.filter((p) => ![80, 443].includes(p.external ?? p.internal));
      if (bad.length)
        report(`caddy publishes ${bad.map((p) => p.external).join(", ")}; only 80 and 443 are allowed`);
    }
    if (args.props.publishAllPorts) report(`container ${String(args.props.name)} publishes all ports`);
  },
};

export const noPrivilegedOrSocket: ResourceValidationPolicy = {
  name: "no-privileged-or-docker-socket",
  description:
    "No container runs privileged, in the host's network or PID namespace, or mounts the Docker socket.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== CONTAINER) return;
    const name = String(args.props.name);
    if (args.props.privileged) report(`container ${name} is privileged`);
    if (args.props.networkMode === "host" || args.props.pidMode === "host")
      report(`container ${name} shares the host's network or PID namespace`);
    const sources = [
      ...((args.props.volumes as { hostPath?: string }[] | undefined) ?? []).map((v) => v.hostPath ?? ""),
      ...((args.props.mounts as { source?: string }[] | undefined) ?? []).map((m) => m.source ?? ""),
    ];
    for (const s of sources) {
      if (/docker\.sock|^\/var\/run\/?$|^\/run\/?$|^\/$/.test(s))
        report(`container ${name} mounts ${s}, which exposes the Docker socket`);
    }
  },
};

export const statefulOnInternalNetwork: StackValidationPolicy = {
  name: "stateful-services-on-internal-network",
  description: "Redis, Qdrant and Postgres join only internal networks.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const internal = new Set(
      args.resources
        .filter((r) => r.type === NETWORK && r.props.internal === true)
        .map((r) => String(r.props.name)),
    );
    for (const r of args.resources.filter((x) => x.type === CONTAINER)) {
      const labels = (r.props.labels as { label: string; value: string }[] | undefined) ?? [];
      if (!labels.some((l) => l.label === "agency.role" && l.value === "state")) continue;
      const nets = ((r.props.networksAdvanced as { name: string }[] | undefined) ?? []).map((n) => n.name);
      const outside = nets.filter((n) => !internal.has(n));
      if (outside.length || nets.length === 0) {
        report(
          `stateful container ${String(r.props.name)} joins ${outside.join(", ") || "no network (the default bridge)"}, which is not internal`,
        );
      }
    }
  },
};

export const firewallOnlyWebAndSsh: ResourceValidationPolicy = {
  name: "firewall-only-22-80-443",
  description: "Hetzner firewalls open inbound only ports 22, 80 and 443.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== FIREWALL) return;
    for (const rule of (args.props.rules as
      { direction: string; protocol: string; port?: string }[] | undefined) ?? []) {
      if (rule.direction !== "in") continue;
      if (!["tcp", "udp"].includes(rule.protocol) || !rule.port || !OPEN_PORTS.has(rule.port)) {
        report(
          `firewall opens ${rule.protocol} ${rule.port ?? "(all ports)"}; only 22, 80 and 443 may be open`,
        );
      }
    }
  },
};

export const policies = [
  onlyCaddyPublishesPorts,
  noPrivilegedOrSocket,
  statefulOnInternalNetwork,
  firewallOnlyWebAndSsh,
];
