/** The adapters the configuration picks, their modules imported on demand; nothing is reached. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "@roboagency/testing/ports";
import { loadConfig } from "../config.ts";
import { storageAdapters } from "./storage-adapters.ts";

const dataDir = mkdtempSync(path.join(tmpdir(), "storage-adapters-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const pool = {} as never;

describe("storageAdapters", () => {
  it("when S3 is configured, then the assets go to the S3 store, loaded when chosen", async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const config = loadConfig({
      AGENCY_DATA_DIR: dataDir,
      S3_ENDPOINT: endpoint,
      S3_BUCKET: "agency",
      S3_ACCESS_KEY_ID: "key",
      S3_SECRET_ACCESS_KEY: "secret",
    });
    const { assets } = await storageAdapters(config, pool, {});
    // Nothing listens there: the S3 store's own error names the bucket and the endpoint.
    await expect(assets.ping()).rejects.toThrow(`S3 bucket check in bucket "agency" at ${endpoint} failed`);
  });

  it("when nothing is configured, then the assets go to the local folder", async () => {
    const { assets } = await storageAdapters(loadConfig({ AGENCY_DATA_DIR: dataDir }), pool, {});
    await assets.ping();
    expect(await assets.signedUrl("docs/p/r/prd.md", 60)).toMatch(/^http:\/\/localhost:5001\//);
  });
});
