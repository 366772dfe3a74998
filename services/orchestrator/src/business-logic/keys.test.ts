import { describe, expect, it } from "vitest";
import { createLocalAssetStore, verifyLocalAssetUrl } from "../data-access/assets.ts";
import { unsubscribeToken, verifyUnsubscribeToken } from "./subscriptions.ts";
import { deriveKeys, type KeyPurpose } from "./keys.ts";
import { signedHeaders, verifySignature } from "./signing.ts";

const OLD = "the-secret-key-before-rotation";
const NEW = "the-secret-key-after-rotation";
const LEAD = "0b8e4d2c-1f0a-4c3e-9d7b-5a6f8e9c0d1e";
const PURPOSES: KeyPurpose[] = ["agent-webhook", "asset-url", "unsubscribe"];

const webhookVerifies = (signedWith: Buffer | string, accepted: Buffer[]) => {
  const body = '{"event":"x"}';
  const h = signedHeaders(signedWith, body);
  return verifySignature(
    accepted,
    { timestamp: h["x-agency-timestamp"], signature: h["x-agency-signature"] },
    Buffer.from(body),
  ).ok;
};

async function assetUrlVerifies(signedWith: Buffer, accepted: Buffer[]) {
  const store = createLocalAssetStore({ dir: "/tmp/unused", baseUrl: "http://x", signingSecret: signedWith });
  const url = new URL(await store.signedUrl("docs/prd.md", 60));
  return verifyLocalAssetUrl(
    "docs/prd.md",
    url.searchParams.get("expires")!,
    url.searchParams.get("sig")!,
    accepted,
  );
}

describe("keys per purpose", () => {
  it("when a signature is made with one purpose's key, then every other purpose refuses it", async () => {
    const keys = deriveKeys(NEW);
    for (const made of PURPOSES) {
      for (const checked of PURPOSES) {
        const same = made === checked;
        expect(webhookVerifies(keys.signing(made), keys.verifying(checked)), `${made} as ${checked}`).toBe(
          same,
        );
        expect(await assetUrlVerifies(keys.signing(made), keys.verifying(checked))).toBe(same);
        const token = unsubscribeToken(keys.signing(made), LEAD);
        expect(verifyUnsubscribeToken(keys.verifying(checked), token)).toBe(same ? LEAD : null);
      }
    }
  });

  it("when something is signed with SECRET_KEY itself, then no purpose accepts it", () => {
    const keys = deriveKeys(NEW);
    for (const purpose of PURPOSES) {
      expect(webhookVerifies(NEW, keys.verifying(purpose))).toBe(false);
      expect(verifyUnsubscribeToken(keys.verifying(purpose), unsubscribeToken(NEW, LEAD))).toBeNull();
    }
  });

  it("when SECRET_KEY is rotated, then the previous key verifies while SECRET_KEY_PREVIOUS is set and not after it is removed", async () => {
    const before = deriveKeys(OLD);
    const during = deriveKeys(NEW, OLD);
    const after = deriveKeys(NEW);
    for (const purpose of PURPOSES) {
      const old = before.signing(purpose);
      expect(during.signing(purpose).equals(after.signing(purpose))).toBe(true);
      expect(webhookVerifies(old, during.verifying(purpose))).toBe(true);
      expect(webhookVerifies(old, after.verifying(purpose))).toBe(false);
      expect(await assetUrlVerifies(old, during.verifying(purpose))).toBe(true);
      expect(await assetUrlVerifies(old, after.verifying(purpose))).toBe(false);
      expect(verifyUnsubscribeToken(during.verifying(purpose), unsubscribeToken(old, LEAD))).toBe(LEAD);
      expect(verifyUnsubscribeToken(after.verifying(purpose), unsubscribeToken(old, LEAD))).toBeNull();
      // New signatures use the new key: the old key's holders cannot check them.
      expect(webhookVerifies(during.signing(purpose), before.verifying(purpose))).toBe(false);
    }
  });
});
