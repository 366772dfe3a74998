/**
 * One key per purpose, derived from SECRET_KEY with HKDF (SHA-256, the purpose as its label), so
 * a signature made for one purpose never verifies for another and whoever holds one purpose's key
 * learns nothing of SECRET_KEY or the other keys. During a rotation SECRET_KEY_PREVIOUS is set
 * too: new signatures use the current key, and both verify until SECRET_KEY_PREVIOUS is removed.
 *
 * The CMS, n8n and Alertmanager do not hold any of these: they have their own secrets
 * (CMS_WEBHOOK_SECRET, AUTOMATION_WEBHOOK_SECRET, ALERTMANAGER_TOKEN; see config.ts).
 */
import { hkdfSync } from "node:crypto";
import type { Config } from "../config.ts";

export type KeyPurpose =
  /** Internal agent events, POST /v1/webhooks/agent/{event}. */
  | "agent-webhook"
  /** The local asset store's expiring URLs. */
  | "asset-url"
  /** The newsletter's unsubscribe tokens. */
  | "unsubscribe";

const SALT = "roboagency-orchestrator";

export function deriveKey(secretKey: string, purpose: KeyPurpose): Buffer {
  return Buffer.from(hkdfSync("sha256", secretKey, SALT, `roboagency/${purpose}`, 32));
}

export interface Keys {
  /** The key new signatures of this purpose are made with. */
  signing(purpose: KeyPurpose): Buffer;
  /** The keys a signature of this purpose is accepted under: the current one first. */
  verifying(purpose: KeyPurpose): Buffer[];
}

export function deriveKeys(secretKey: string, previousSecretKey?: string): Keys {
  const cache = new Map<string, Buffer>();
  const key = (secret: string, purpose: KeyPurpose) => {
    const id = `${secret === secretKey ? "current" : "previous"}:${purpose}`;
    let k = cache.get(id);
    if (!k) cache.set(id, (k = deriveKey(secret, purpose)));
    return k;
  };
  return {
    signing: (purpose) => key(secretKey, purpose),
    verifying: (purpose) =>
      previousSecretKey && previousSecretKey !== secretKey
        ? [key(secretKey, purpose), key(previousSecretKey, purpose)]
        : [key(secretKey, purpose)],
  };
}

const byConfig = new WeakMap<Pick<Config, "secretKey" | "secretKeyPrevious">, Keys>();

/** The keys of a loaded configuration, derived once. */
export function keysOf(config: Pick<Config, "secretKey" | "secretKeyPrevious">): Keys {
  let keys = byConfig.get(config);
  if (!keys) byConfig.set(config, (keys = deriveKeys(config.secretKey, config.secretKeyPrevious)));
  return keys;
}
