/**
 * The A records that point the agency's host names at the server: created in Cloudflare, or,
 * for another DNS provider, only listed so the operator can create them by hand.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import type { Hosts } from "../config.ts";

export interface DnsRecordSpec {
  /** Fully qualified name, e.g. api.example.com. */
  name: string;
  type: "A";
  ttl: number;
  proxied: boolean;
}

/** One record per host; TTL 1 is Cloudflare's "automatic", which proxied records need. */
export function dnsRecords(hosts: Hosts, proxied: boolean): DnsRecordSpec[] {
  return Object.values(hosts)
    .filter((h): h is string => typeof h === "string")
    .map((name) => ({ name, type: "A", ttl: proxied ? 1 : 300, proxied }));
}

export interface DnsArgs {
  /** Host names to point at the server. Required. */
  hosts: Hosts;
  /** IPv4 address the records point at. Required. */
  ipv4: pulumi.Input<string>;
  /** Cloudflare zone id; without it no record is created, they are only listed. Defaults to none. */
  zoneId?: string;
  /** Proxy through Cloudflare; off so Caddy's ACME challenges reach the server. Defaults to false. */
  proxied?: boolean;
}

export class Dns extends pulumi.ComponentResource {
  /** The records, as lines to paste into another provider when no zone is managed here. */
  readonly records: pulumi.Output<string[]>;
  /** The Cloudflare records by host name (none without a zone), for whatever waits for DNS. */
  readonly cloudflareRecords: Record<string, cloudflare.DnsRecord>;

  constructor(name: string, args: DnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("agency:stack:Dns", name, {}, opts);
    const specs = dnsRecords(args.hosts, args.proxied ?? false);
    this.cloudflareRecords = {};
    if (args.zoneId) {
      for (const spec of specs) {
        const label = spec.name.split(".")[0];
        this.cloudflareRecords[spec.name] = new cloudflare.DnsRecord(
          `${name}-${label}`,
          {
            zoneId: args.zoneId,
            name: spec.name,
            type: spec.type,
            ttl: spec.ttl,
            proxied: spec.proxied,
            content: args.ipv4,
            comment: "managed by the agency Pulumi stack",
          },
          { parent: this, deleteBeforeReplace: true },
        );
      }
    }
    this.records = pulumi.output(args.ipv4).apply((ip) => specs.map((s) => `${s.name}. ${s.ttl} IN A ${ip}`));
    this.registerOutputs({
      records: this.records,
      cloudflareRecordIds: Object.fromEntries(
        Object.entries(this.cloudflareRecords).map(([host, r]) => [host, r.id]),
      ),
    });
  }
}
