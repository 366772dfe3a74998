/**
 * The Instagram adapter (Graph API content publishing) against a fake Instagram Graph API on
 * loopback (@roboagency/testing/fake-platforms: a fake server, not Meta), with the real dispatcher on real
 * Postgres and the project's explainer in a real local asset store.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDryRunAdapter } from "../../business-logic/posting.ts";
import { dispatchDuePosts } from "../../business-logic/posting.ts";
import { fakeInstagram } from "@roboagency/testing/fake-platforms";
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
import { tokenStore } from "./http.ts";
import { createInstagramAdapter } from "./instagram.ts";

const SECRET = "a-secret-key-of-enough-length";
let db: Awaited<ReturnType<typeof startPostingDb>>;
let ig: Awaited<ReturnType<typeof fakeInstagram>>;
let assets: AssetStore;
let projectId: string;
let cleanup: (() => void) | undefined;

beforeAll(async () => {
  db = await startPostingDb();
  ig = await fakeInstagram({ userId: "1784", token: "IGQ-long-lived-1", processingPolls: 2 });
  ({ projectId, assets, cleanup } = await aProjectWithExplainer(db.pool, {
    baseUrl: "https://api.agency.example",
    video: Buffer.alloc(2048, 1),
  }));
});
afterAll(async () => {
  await ig?.close();
  await db?.stop();
  cleanup?.();
});
afterEach(async () => {
  await nothingDue(db.pool);
  ig.nextCreate.length = 0;
});

const adapter = () =>
  createInstagramAdapter(
    db.pool,
    assets,
    tokenStore(db.pool, SECRET),
    { userId: "1784", accessToken: "IGQ-long-lived-1", baseUrl: ig.url, version: "v23.0" },
    { pollIntervalMs: 10, maxPolls: 10 },
  );
const IMAGE = { imageUrl: "https://agency.example/covers/real-services.jpg" };
const creates = () => ig.requests.filter((r) => r.method === "POST" && r.path === "/v23.0/1784/media").length;
const publishes = () => ig.requests.filter((r) => r.path === "/v23.0/1784/media_publish").length;

describe("Instagram adapter", () => {
  it("when an image post is dispatched, then a container is made and published once, the media id recorded, and the long-lived token refreshed and kept sealed", async () => {
    const { contentId } = await aDuePiece(db.pool, ["instagram"], IMAGE);
    expect(await dispatchDuePosts({ pool: db.pool, logger }, { instagram: adapter() })).toEqual({
      attempted: 1,
      posted: 1,
      failed: 0,
    });
    const [post] = await postsOf(db.pool, contentId);
    expect(post).toMatchObject({
      status: "posted",
      adapter: "instagram-graph",
      external_id: ig.posts.at(-1)!.id,
    });
    expect(ig.posts.at(-1)!.caption).toBe(post!.text_body);
    const create = ig.requests.find((r) => r.method === "POST" && r.path === "/v23.0/1784/media")!;
    expect(new URLSearchParams(create.body.toString()).get("image_url")).toBe(IMAGE.imageUrl);
    expect(ig.refreshes()).toBe(1);
    const { rows } = await db.pool.query("SELECT sealed FROM platform_tokens WHERE platform = 'instagram'");
    expect(rows[0].sealed).not.toContain(ig.currentToken());

    // A new process reads the refreshed token back instead of refreshing again.
    await aDuePiece(db.pool, ["instagram"], IMAGE);
    expect(await dispatchDuePosts({ pool: db.pool, logger }, { instagram: adapter() })).toMatchObject({
      posted: 1,
    });
    expect(ig.refreshes()).toBe(1);
  });

  it("when the piece names a project, then its explainer goes out as a Reel from a signed URL once processing finished", async () => {
    const { contentId } = await aDuePiece(db.pool, ["instagram"], { projectId });
    expect(await dispatchDuePosts({ pool: db.pool, logger }, { instagram: adapter() })).toMatchObject({
      posted: 1,
    });
    const create = new URLSearchParams(
      ig.requests
        .filter((r) => r.method === "POST" && r.path === "/v23.0/1784/media")
        .at(-1)!
        .body.toString(),
    );
    expect(create.get("media_type")).toBe("REELS");
    expect(create.get("video_url")).toMatch(/^https:\/\/api\.agency\.example\/v1\/assets\/local\/videos\//);
    expect((await postsOf(db.pool, contentId))[0]!.status).toBe("posted");
  });

  it("when media_publish answers 429 with Retry-After, then the post waits and the next attempt publishes the same container", async () => {
    const { contentId } = await aDuePiece(db.pool, ["instagram"], IMAGE);
    ig.nextCreate.push({
      status: 429,
      headers: { "retry-after": "60" },
      json: { error: { message: "Too many calls", code: 4 } },
    });
    const made = creates();
    expect(await dispatchDuePosts({ pool: db.pool, logger }, { instagram: adapter() })).toEqual({
      attempted: 1,
      posted: 0,
      failed: 0,
    });
    const [waiting] = await postsOf(db.pool, contentId);
    expect(waiting).toMatchObject({ status: "scheduled", attempts: 0 });
    expect(typeof waiting!.platform_state.container_id).toBe("string");
    await db.pool.query("UPDATE social_posts SET scheduled_at = now() WHERE id = $1", [waiting!.id]);
    expect(await dispatchDuePosts({ pool: db.pool, logger }, { instagram: adapter() })).toMatchObject({
      posted: 1,
    });
    expect(creates()).toBe(made + 1);
  });

  it("when the dispatcher dies between media_publish and our record, then the resume sees the container PUBLISHED, finds the media by caption and publishes nothing more", async () => {
    const { contentId } = await aDuePiece(db.pool, ["instagram"], IMAGE);
    const before = ig.posts.length;
    await expect(
      dispatchDuePosts({ pool: crashingOnRecord(db.pool), logger }, { instagram: adapter() }),
    ).rejects.toThrow("the process died");
    expect(ig.posts.length).toBe(before + 1);
    const published = publishes();
    await leaseRunsOut(db.pool);
    expect(await dispatchDuePosts({ pool: db.pool, logger }, { instagram: adapter() })).toMatchObject({
      posted: 1,
    });
    expect(publishes()).toBe(published);
    expect(ig.posts.length).toBe(before + 1);
    expect((await postsOf(db.pool, contentId))[0]).toMatchObject({
      status: "posted",
      external_id: ig.posts.at(-1)!.id,
    });
  });

  it("when a piece has neither image nor video, then the Instagram post is refused saying what to add and the others go out", async () => {
    const { contentId } = await aDuePiece(db.pool, ["instagram", "linkedin"]);
    expect(
      await dispatchDuePosts(
        { pool: db.pool, logger },
        { instagram: adapter(), linkedin: createDryRunAdapter(db.pool, "linkedin") },
      ),
    ).toEqual({ attempted: 2, posted: 1, failed: 1 });
    const posts = await postsOf(db.pool, contentId);
    expect(posts.find((p) => p.platform === "instagram")).toMatchObject({ status: "failed" });
    expect(posts.find((p) => p.platform === "instagram")!.error).toMatch(/image_url or video_url/);
    expect(posts.find((p) => p.platform === "linkedin")!.status).toBe("posted");
  });
});
