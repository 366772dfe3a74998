/**
 * The TLS between the worker servers and the main server: a private CA made in the stack, and
 * the private gateway's certificate for the main server's private address, signed by it. Every
 * key stays in Pulumi state as a secret; nothing here leaves the stack but through secret files.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { GeneratedSecret } from "../containerSpec.ts";

export interface PrivateTlsArgs {
  /** Addresses the gateway is reached at (the main server's private IP). Required. */
  ipAddresses: string[];
  /** Host names in the certificate besides. Defaults to none. */
  dnsNames?: string[];
  /** Years the CA is valid. Defaults to 10. */
  caYears?: number;
  /** Years the gateway certificate is valid; renewed by the next up in its last 30 days. Defaults to 2. */
  certYears?: number;
}

const HOURS_PER_YEAR = 24 * 365;

export class PrivateTls extends pulumi.ComponentResource {
  /** The CA certificate, the gateway's certificate and its key (PEM), as Pulumi secrets. */
  readonly secrets: Record<GeneratedSecret, pulumi.Output<string>>;

  constructor(name: string, args: PrivateTlsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("agency:stack:PrivateTls", name, {}, opts);
    if (!args.ipAddresses.length)
      throw new pulumi.ResourceError("PrivateTls needs the address the gateway is reached at", this);
    const child = { parent: this };
    const caKey = new tls.PrivateKey(`${name}-ca-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
    const ca = new tls.SelfSignedCert(
      `${name}-ca`,
      {
        privateKeyPem: caKey.privateKeyPem,
        isCaCertificate: true,
        subject: { commonName: `${name} private CA`, organization: "agency" },
        validityPeriodHours: (args.caYears ?? 10) * HOURS_PER_YEAR,
        allowedUses: ["cert_signing", "crl_signing"],
      },
      child,
    );
    const key = new tls.PrivateKey(`${name}-gateway-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
    const request = new tls.CertRequest(
      `${name}-gateway-request`,
      {
        privateKeyPem: key.privateKeyPem,
        subject: { commonName: "private-gateway", organization: "agency" },
        ipAddresses: args.ipAddresses,
        dnsNames: args.dnsNames,
      },
      child,
    );
    const cert = new tls.LocallySignedCert(
      `${name}-gateway-cert`,
      {
        certRequestPem: request.certRequestPem,
        caPrivateKeyPem: caKey.privateKeyPem,
        caCertPem: ca.certPem,
        validityPeriodHours: (args.certYears ?? 2) * HOURS_PER_YEAR,
        earlyRenewalHours: 30 * 24,
        allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
      },
      child,
    );
    this.secrets = {
      privateTlsCa: pulumi.secret(ca.certPem),
      privateTlsCert: pulumi.secret(cert.certPem),
      privateTlsKey: pulumi.secret(key.privateKeyPem),
    };
    this.registerOutputs({ caCertPem: ca.certPem, gatewayCertPem: cert.certPem });
  }
}
