/** The adapters' choice and their loading on first call; no platform is reached. */
import { describe, expect, it } from "vitest";
import type { PostingAdapter } from "../../business-logic/posting.ts";
import type { PostingConfig } from "../../config.ts";
import type { AssetStore } from "../assets.ts";
import type { SocialPostRow } from "../social-posts.ts";
import { ADAPTER_NAMES, loadedOnFirstCall } from "./index.ts";
import { createXAdapter } from "./x.ts";
import { createYouTubeAdapter } from "./youtube.ts";

const x: NonNullable<PostingConfig["x"]> = {
  appKey: "ck",
  appSecret: "cs",
  accessToken: "at",
  accessSecret: "as",
  baseUrl: "http://127.0.0.1:9",
};
const youtube: NonNullable<PostingConfig["youtube"]> = {
  clientId: "id",
  clientSecret: "secret",
  refreshToken: "refresh",
  privacyStatus: "private",
  rootUrl: "http://127.0.0.1:9",
  tokenUrl: "http://127.0.0.1:9/token",
};
const post = { id: "p1", platform: "x" } as SocialPostRow;
const attempt = { since: new Date(0) } as Parameters<PostingAdapter["post"]>[1];

describe("posting adapters loaded on first call", () => {
  it("when X's or YouTube's adapter stands in before loading, then it records posts under its module's own name", () => {
    expect(ADAPTER_NAMES.x).toBe(createXAdapter(x).name);
    expect(ADAPTER_NAMES.youtube).toBe(
      createYouTubeAdapter({ query: () => {} } as never, {} as AssetStore, youtube).name,
    );
  });

  it("when it is called, then the module loads once and its adapter answers; a failed load is tried again", async () => {
    const calls: string[] = [];
    let loads = 0;
    const real: PostingAdapter = {
      platform: "x",
      name: ADAPTER_NAMES.x,
      post: async (p) => (calls.push(`post ${p.id}`), { externalId: "t1" }),
      findExisting: async (p) => (calls.push(`find ${p.id}`), null),
    };
    const adapter = loadedOnFirstCall("x", async () => {
      if (++loads === 1) throw new Error("module failed to load");
      return real;
    });
    expect(loads).toBe(0);
    await expect(adapter.post(post, attempt)).rejects.toThrow(/failed to load/);
    expect(await adapter.post(post, attempt)).toEqual({ externalId: "t1" });
    expect(await adapter.findExisting!(post, attempt)).toBeNull();
    expect(loads).toBe(2);
    expect(calls).toEqual(["post p1", "find p1"]);
  });
});
