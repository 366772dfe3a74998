import { describe, expect, it } from "vitest";
import { hashPassword, operatorDirectory, parseOperators, verifyPassword } from "./operators.ts";

describe("operator passwords", () => {
  it("when a password is hashed, then only that password verifies and the hash is salted scrypt", async () => {
    const hash = await hashPassword("correct horse battery");
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(await hashPassword("correct horse battery")).not.toBe(hash);
    expect(await verifyPassword("correct horse battery", hash)).toBe(true);
    expect(await verifyPassword("correct horse batterY", hash)).toBe(false);
    expect(await verifyPassword("anything", "not-a-hash")).toBe(false);
  });

  it("when a password is shorter than 12 characters, then hashing refuses it", async () => {
    await expect(hashPassword("short")).rejects.toThrow(/at least 12/);
  });

  it("when AGENCY_OPERATORS is malformed, then the error names the entry and the fix", async () => {
    const hash = await hashPassword("alice's long password");
    expect([...parseOperators(`alice:${hash}, bob:${hash}`).keys()]).toEqual(["alice", "bob"]);
    expect(() => parseOperators("alice")).toThrow(/name:hash/);
    expect(() => parseOperators("alice:plaintext")).toThrow(/ops:hash-password/);
  });

  it("when operators are configured, then each signs in with their own password and the local admin is off", async () => {
    const hash = await hashPassword("alice's long password");
    const dir = operatorDirectory({ operators: `alice:${hash}`, localAdminToken: "the-operator-token-123" });
    expect(dir.names).toEqual(["alice"]);
    expect(await dir.verify("alice", "alice's long password")).toBe(true);
    expect(await dir.verify("admin", "the-operator-token-123")).toBe(false);
    expect(await dir.verify("mallory", "alice's long password")).toBe(false);
  });

  it("when none are configured locally, then admin signs in with the operator token", async () => {
    const dir = operatorDirectory({ localAdminToken: "the-operator-token-123" });
    expect(await dir.verify("admin", "the-operator-token-123")).toBe(true);
    expect(await dir.verify("admin", "the-operator-token-124")).toBe(false);
  });
});
