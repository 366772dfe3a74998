import { describe, expect, it } from "vitest";
import { createSigner } from "./signing.ts";

const signer = createSigner("a-secret-key-of-enough-length");

describe("signed tokens", () => {
  it("when a token is opened for its purpose before it expires, then it gives back its subject", () => {
    const token = signer.seal("client-session", "ada@example.com", 60);
    expect(signer.open("client-session", token)?.subject).toBe("ada@example.com");
  });

  it("when a token is expired, tampered, for another purpose or from another key, then it opens to null", () => {
    const now = Date.now();
    const token = signer.seal("client-session", "ada@example.com", 60, now);
    expect(signer.open("client-session", token, now + 61_000)).toBeNull();
    const [subject, expires, sig] = token.split(".");
    const forged = `${Buffer.from("grace@example.com").toString("base64url")}.${expires}.${sig}`;
    expect(signer.open("client-session", forged)).toBeNull();
    expect(signer.open("client-session", `${subject}.${Number(expires) + 3600}.${sig}`)).toBeNull();
    expect(signer.open("operator-session", token)).toBeNull();
    expect(createSigner("another-secret-key-entirely").open("client-session", token)).toBeNull();
    expect(signer.open("client-session", undefined)).toBeNull();
    expect(signer.open("client-session", "garbage")).toBeNull();
  });

  it("when SECRET_KEY is short, then creating a signer fails naming it", () => {
    expect(() => createSigner("short")).toThrow(/SECRET_KEY/);
  });

  it("when SECRET_KEY is rotated, then tokens of the previous key open while SECRET_KEY_PREVIOUS is set, and not after", () => {
    const old = createSigner("the-key-before-rotation-0123");
    const token = old.seal("operator-session", "id:alice", 3600);
    const rotating = createSigner("the-key-after-rotation-01234", "the-key-before-rotation-0123");
    expect(rotating.open("operator-session", token)?.subject).toBe("id:alice");
    // New tokens are made with the new key only.
    const fresh = rotating.seal("operator-session", "id:bob", 3600);
    expect(old.open("operator-session", fresh)).toBeNull();
    expect(createSigner("the-key-after-rotation-01234").open("operator-session", fresh)?.subject).toBe(
      "id:bob",
    );
    // The previous key's token for one purpose still does not open for another.
    expect(rotating.open("client-session", token)).toBeNull();
    // SECRET_KEY_PREVIOUS removed: the old token is refused.
    expect(createSigner("the-key-after-rotation-01234").open("operator-session", token)).toBeNull();
  });
});
