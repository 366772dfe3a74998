/**
 * GET /health of a production-mode API whose object storage cannot be reached (an S3 endpoint on
 * a loopback port where nothing listens): the public sees the status, operators see why.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@roboagency/testing/ports";
import { startTestAgency, type TestAgency } from "@roboagency/testing/agency";

let t: TestAgency;
let endpoint: string;
beforeAll(async () => {
  endpoint = `http://127.0.0.1:${await freePort()}`;
  t = await startTestAgency(
    {
      NODE_ENV: "production",
      AGENCY_ALLOW_EMBEDDED: "true",
      SECRET_KEY: "health-test-secret-key-0123456789",
      AGENCY_ADMIN_TOKEN: "health-test-admin-token-0123456789",
      S3_BUCKET: "internal-bucket-name",
      S3_ACCESS_KEY_ID: "AKIAHEALTHTEST",
      S3_SECRET_ACCESS_KEY: "health-test-s3-secret",
      S3_ENDPOINT: endpoint,
    },
    { worker: false },
  );
});
afterAll(async () => {
  await t?.stop();
});

describe("GET /health in production", () => {
  it("when storage is down, then the public answer is 503 degraded and names no bucket, endpoint or error", async () => {
    const res = await t.api("/health");
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      status: "degraded",
      version: expect.any(String),
      dependencies: { database: "up", redis: "up", storage: "down" },
    });
    expect(text).not.toContain("internal-bucket-name");
    expect(text).not.toContain(endpoint.replace("http://", ""));
  });

  it("when an operator asks, then the answer says why storage is down", async () => {
    const res = await t.api("/health", { admin: true });
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body.details.storage).toMatchObject({ status: "down", error: expect.any(String) });
    expect(body.details.database).toMatchObject({ status: "up", latency_ms: expect.any(Number) });
  });

  it("when the token is wrong, then no details come", async () => {
    const res = await t.api("/health", { headers: { authorization: "Bearer not-the-token-at-all" } });
    expect(Object.keys(await res.json()).sort()).toEqual(["dependencies", "status", "version"]);
  });
});
