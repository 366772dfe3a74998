/**
 * What crosses the Hetzner private network between the worker servers and the main server, as
 * data: the private gateway's TLS listeners in front of Redis and Qdrant (socat, with the
 * certificate components/privateTls.ts makes), the worker's addresses through it, and the check
 * that refuses a worker definition that would send anything in the clear.
 */
import { MAIN_PRIVATE_IP, type ServiceDefinition } from "./containerSpec.ts";

/** Where the gateway's certificate and key, and every client's copy of the CA, are mounted. */
export const PRIVATE_TLS_FILES = {
  cert: "/run/agency/tls/gateway.crt",
  key: "/run/agency/tls/gateway.key",
  ca: "/run/agency/tls/private-ca.crt",
} as const;

/** Ports the gateway listens on (TLS) on the main server's private address. */
export const GATEWAY_PORTS = { redis: 6379, qdrant: 6333 } as const;

export interface GatewayTargets {
  /** host:port of Redis and Qdrant as the gateway reaches them. */
  redis: string;
  qdrant: string;
  /** Ports to listen on. Defaults to GATEWAY_PORTS. */
  ports?: { redis: number; qdrant: number };
  /** The certificate and key files. Defaults to PRIVATE_TLS_FILES. */
  files?: { cert: string; key: string };
}

/**
 * The gateway's command: one TLS listener (TLS 1.2 at least) per service, each connection
 * relayed in the clear only inside the server, onto the internal backend network. No client
 * certificate: clients authenticate to Redis with its password and to Qdrant with its API key,
 * now inside TLS.
 */
export function gatewayCommand(t: GatewayTargets): string {
  const ports = t.ports ?? GATEWAY_PORTS;
  const files = t.files ?? PRIVATE_TLS_FILES;
  const listen = (port: number) =>
    `OPENSSL-LISTEN:${port},fork,reuseaddr,cert=${files.cert},key=${files.key},verify=0,openssl-min-proto-version=TLS1.2`;
  return `socat ${listen(ports.redis)} TCP:${t.redis} & exec socat ${listen(ports.qdrant)} TCP:${t.qdrant}`;
}

/** The worker's addresses on a worker server: Redis and Qdrant over TLS through the gateway. */
export function remoteWorkerEnv(def: Pick<ServiceDefinition, "env" | "secretEnv">): {
  env: Record<string, string>;
  secretEnv: Record<string, string>;
} {
  return {
    env: {
      ...def.env,
      QDRANT_URL: `https://${MAIN_PRIVATE_IP}:${GATEWAY_PORTS.qdrant}`,
      // Node (ioredis, the Qdrant client's fetch) trusts the stack's private CA besides the public ones.
      NODE_EXTRA_CA_CERTS: PRIVATE_TLS_FILES.ca,
    },
    secretEnv: {
      ...def.secretEnv,
      REDIS_URL: `rediss://:{{redisPassword}}@${MAIN_PRIVATE_IP}:${GATEWAY_PORTS.redis}`,
    },
  };
}

/**
 * Why a container on a worker server would reach the main server or the database in the clear,
 * one line each (none is fine): Redis must be rediss://, Qdrant https://, and the database the
 * external databaseUrl secret (whose sslmode loadSecrets checks).
 */
export function clearTextProblems(def: Pick<ServiceDefinition, "name" | "env" | "secretEnv">): string[] {
  const problems: string[] = [];
  const all = { ...def.env, ...def.secretEnv };
  if (all.REDIS_URL !== undefined && !all.REDIS_URL.startsWith("rediss://"))
    problems.push(`${def.name}: REDIS_URL must use rediss:// (TLS) across servers`);
  if (all.QDRANT_URL !== undefined && !all.QDRANT_URL.startsWith("https://"))
    problems.push(`${def.name}: QDRANT_URL must use https:// across servers`);
  if (all.DATABASE_URL !== undefined && all.DATABASE_URL !== "{{databaseUrl}}")
    problems.push(
      `${def.name}: DATABASE_URL must be the external agency:databaseUrl (with sslmode=require) across servers`,
    );
  if ((all.REDIS_URL ?? all.QDRANT_URL) !== undefined && all.NODE_EXTRA_CA_CERTS === undefined)
    problems.push(
      `${def.name}: NODE_EXTRA_CA_CERTS must name the private CA, or TLS cannot verify the gateway`,
    );
  return problems;
}
