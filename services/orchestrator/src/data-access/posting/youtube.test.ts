/**
 * The YouTube adapter (googleapis) against a fake YouTube Data API v3 and Google OAuth2 token
 * endpoint on loopback (@roboagency/testing/fake-platforms: a fake server, not Google), with the real
 * dispatcher on real Postgres and the project's explainer MP4 in a real local asset store.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { dispatchDuePosts } from "../../business-logic/posting.ts";
import { fakeYouTube } from "@roboagency/testing/fake-platforms";
import {
  aDuePiece,
  aProjectWithExplainer,
  crashingOnRecord,
  nothingDue,
  leaseRunsOut,
  postsOf,
  quietLogger as logger,
  startPostingDb,
} from "../../testing/posting-harness.ts";
import type { AssetStore } from "../assets.ts";
import { createYouTubeAdapter, markerTag } from "./youtube.ts";

let db: Awaited<ReturnType<typeof startPostingDb>>;
let yt: Awaited<ReturnType<typeof fakeYouTube>>;
let assets: AssetStore;
let projectId: string;
let cleanup: (() => void) | undefined;
/** Stands in for the explainer: what matters is that these exact bytes are uploaded. */
const MP4 = Buffer.concat([Buffer.from("\x00\x00\x00\x18ftypmp42", "latin1"), Buffer.alloc(4096, 7)]);

beforeAll(async () => {
  db = await startPostingDb();
  yt = await fakeYouTube();
  ({ projectId, assets, cleanup } = await aProjectWithExplainer(db.pool, {
    baseUrl: "http://127.0.0.1:5001",
    video: MP4,
  }));
});
afterAll(async () => {
  await yt?.close();
  await db?.stop();
  cleanup?.();
});
afterEach(async () => {
  await nothingDue(db.pool);
  yt.nextCreate.length = 0;
});

const adapter = (refreshToken = "yt-refresh") =>
  createYouTubeAdapter(db.pool, assets, {
    clientId: "client.apps.googleusercontent.com",
    clientSecret: "secret",
    refreshToken,
    privacyStatus: "unlisted",
    rootUrl: yt.url,
    tokenUrl: `${yt.url}/token`,
  });

describe("YouTube adapter", () => {
  it("when a due post's piece names a project, then its explainer MP4 is uploaded once with the post's title, description and marker tag", async () => {
    const { contentId } = await aDuePiece(db.pool, ["youtube"], { projectId });
    const tokens = yt.tokensIssued();
    expect(await dispatchDuePosts({ pool: db.pool, logger }, { youtube: adapter() })).toEqual({
      attempted: 1,
      posted: 1,
      failed: 0,
    });
    expect(yt.tokensIssued()).toBe(tokens + 1); // the refresh token was exchanged for an access token
    const [post] = await postsOf(db.pool, contentId);
    const video = yt.posts.at(-1)!;
    expect(post).toMatchObject({ status: "posted", adapter: "youtube-data-v3", external_id: video.id });
    expect(video).toMatchObject({ title: post!.title, description: post!.text_body, videoBytes: MP4.length });
    expect(video.tags).toContain(markerTag(post!));
    const upload = yt.requests.filter((r) => r.path === "/upload/youtube/v3/videos").at(-1)!;
    expect(upload.body.includes(MP4)).toBe(true);
    expect(upload.query.getAll("part").flatMap((p) => p.split(","))).toEqual(["snippet", "status"]);
  });

  it("when a piece has no video, then the YouTube post is refused with what to add, and nothing is uploaded", async () => {
    const { contentId } = await aDuePiece(db.pool, ["youtube"]);
    const before = yt.posts.length;
    expect(await dispatchDuePosts({ pool: db.pool, logger }, { youtube: adapter() })).toMatchObject({
      failed: 1,
    });
    expect(yt.posts.length).toBe(before);
    const [post] = await postsOf(db.pool, contentId);
    expect(post!.status).toBe("failed");
    expect(post!.error).toMatch(/video_url.*project_id/);
  });

  it("when YouTube answers 429 with Retry-After, then the post waits that long and no attempt is counted", async () => {
    const { contentId } = await aDuePiece(db.pool, ["youtube"], { projectId });
    yt.nextCreate.push({
      status: 429,
      headers: { "retry-after": "300" },
      json: { error: { code: 429, message: "Too many requests", errors: [{ reason: "rateLimitExceeded" }] } },
    });
    expect(await dispatchDuePosts({ pool: db.pool, logger }, { youtube: adapter() })).toEqual({
      attempted: 1,
      posted: 0,
      failed: 0,
    });
    const [post] = await postsOf(db.pool, contentId);
    expect(post).toMatchObject({ status: "scheduled", attempts: 0 });
    const wait = (new Date(post!.scheduled_at).getTime() - Date.now()) / 1000;
    expect(wait).toBeGreaterThan(280);
    expect(wait).toBeLessThanOrEqual(301);
  });

  it("when the dispatcher dies between YouTube's acceptance and our record, then the resume finds the upload by its marker tag and does not upload again", async () => {
    const { contentId } = await aDuePiece(db.pool, ["youtube"], { projectId });
    const before = yt.posts.length;
    await expect(
      dispatchDuePosts({ pool: crashingOnRecord(db.pool), logger }, { youtube: adapter() }),
    ).rejects.toThrow("the process died");
    expect(yt.posts.length).toBe(before + 1);
    await leaseRunsOut(db.pool);
    expect(await dispatchDuePosts({ pool: db.pool, logger }, { youtube: adapter() })).toMatchObject({
      posted: 1,
    });
    expect(yt.posts.length).toBe(before + 1);
    expect((await postsOf(db.pool, contentId))[0]).toMatchObject({
      status: "posted",
      external_id: yt.posts.at(-1)!.id,
    });
  });

  it("when the refresh token is revoked, then the post fails with Google's reason and nothing is uploaded", async () => {
    const { contentId } = await aDuePiece(db.pool, ["youtube"], { projectId });
    const before = yt.posts.length;
    expect(await dispatchDuePosts({ pool: db.pool, logger }, { youtube: adapter("revoked") })).toMatchObject({
      failed: 1,
    });
    expect(yt.posts.length).toBe(before);
    const [post] = await postsOf(db.pool, contentId);
    expect(post!.status).toBe("failed");
    expect(post!.error).toMatch(/invalid_grant|expired or revoked/);
  });
});
