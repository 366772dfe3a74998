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
});
