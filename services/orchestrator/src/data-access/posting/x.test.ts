/**
 * The X adapter (twitter-api-v2) against a fake X API v2 on loopback (@roboagency/testing/fake-platforms:
 * a fake server, not X), with the real dispatcher on real Postgres.
 */
import { Agent } from "node:https";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDryRunAdapter } from "../../business-logic/posting.ts";
import { dispatchDuePosts } from "../../business-logic/posting.ts";
import { fakeX } from "@roboagency/testing/fake-platforms";
import {
  aDuePiece,
  crashingOnRecord,
  nothingDue,
  leaseRunsOut,
  postsOf,
  quietLogger as logger,
  startPostingDb,
} from "../../testing/posting-harness.ts";
import { createXAdapter } from "./x.ts";

let db: Awaited<ReturnType<typeof startPostingDb>>;
let x: Awaited<ReturnType<typeof fakeX>>;
beforeAll(async () => {
  db = await startPostingDb();
  x = await fakeX();
});
afterAll(async () => {
  await x?.close();
  await db?.stop();
});
afterEach(async () => {
  // Each test starts with nothing due.
  await nothingDue(db.pool);
  x.nextCreate.length = 0;
  x.readsRefused = false;
});

const adapter = () =>
  createXAdapter(
    { appKey: "ck", appSecret: "cs", accessToken: "at", accessSecret: "as", baseUrl: x.url },
    { httpAgent: new Agent({ ca: x.ca }) },
  );

describe("X adapter", () => {
  it("when a due post is dispatched, then X gets its text once, signed with OAuth 1.0a, and the tweet id is recorded", async () => {
    const { contentId } = await aDuePiece(db.pool, ["x"]);
    const before = x.posts.length;
    expect(await dispatchDuePosts({ pool: db.pool, logger }, { x: adapter() })).toEqual({
      attempted: 1,
      posted: 1,
      failed: 0,
    });
    expect(await dispatchDuePosts({ pool: db.pool, logger }, { x: adapter() })).toMatchObject({
      attempted: 0,
    });
    const [post] = await postsOf(db.pool, contentId);
    expect(x.posts.length).toBe(before + 1);
    expect(post).toMatchObject({ status: "posted", adapter: "x-api-v2", external_id: x.posts.at(-1)!.id });
    expect(post!.in_flight_since).toBeNull();
    const create = x.requests.filter((r) => r.path === "/2/tweets").at(-1)!;
    expect(String(create.headers.authorization)).toMatch(
      /^OAuth .*oauth_consumer_key="ck".*oauth_signature=/,
    );
    expect(JSON.parse(create.body.toString()).text).toBe(post!.text_body);
  });

  it("when X answers 429 with Retry-After, then the post waits that long, no attempt is counted, and X's next post in the batch is held back without a call", async () => {
    const a = await aDuePiece(db.pool, ["x", "linkedin"]);
    const b = await aDuePiece(db.pool, ["x"]);
    x.nextCreate.push({
      status: 429,
      headers: { "retry-after": "120" },
      json: { title: "Too Many Requests", status: 429 },
    });
    const creates = x.requests.filter((r) => r.path === "/2/tweets").length;
    const result = await dispatchDuePosts(
      { pool: db.pool, logger },
      { x: adapter(), linkedin: createDryRunAdapter(db.pool, "linkedin") },
    );
    expect(result).toEqual({ attempted: 3, posted: 1, failed: 0 });
    expect(x.requests.filter((r) => r.path === "/2/tweets").length).toBe(creates + 1);
    for (const { contentId } of [a, b]) {
      const post = (await postsOf(db.pool, contentId)).find((p) => p.platform === "x")!;
      expect(post).toMatchObject({ status: "scheduled", attempts: 0, external_id: null });
      const wait = (new Date(post.scheduled_at).getTime() - Date.now()) / 1000;
      expect(wait).toBeGreaterThan(100);
      expect(wait).toBeLessThanOrEqual(121);
    }
    expect((await postsOf(db.pool, a.contentId)).find((p) => p.platform === "linkedin")!.status).toBe(
      "posted",
    );
  });

  it("when the dispatcher dies between X's acceptance and our record, then the resume finds the tweet on the timeline and records it without posting again", async () => {
    const { contentId } = await aDuePiece(db.pool, ["x"]);
    const before = x.posts.length;
    await expect(
      dispatchDuePosts({ pool: crashingOnRecord(db.pool), logger }, { x: adapter() }),
    ).rejects.toThrow("the process died");
    expect(x.posts.length).toBe(before + 1);
    const [crashed] = await postsOf(db.pool, contentId);
    expect(crashed).toMatchObject({ status: "posting", external_id: null });
    expect(crashed!.in_flight_since).not.toBeNull();

    expect(await dispatchDuePosts({ pool: db.pool, logger }, { x: adapter() })).toMatchObject({
      attempted: 0,
    });
    await leaseRunsOut(db.pool);
    expect(await dispatchDuePosts({ pool: db.pool, logger }, { x: adapter() })).toEqual({
      attempted: 1,
      posted: 1,
      failed: 0,
    });
    expect(x.posts.length).toBe(before + 1);
    const [resumed] = await postsOf(db.pool, contentId);
    expect(resumed).toMatchObject({ status: "posted", external_id: x.posts.at(-1)!.id });
  });

  it("when the dispatcher dies after X's acceptance and X refuses reads (free tier), then the post waits for an operator and is not posted again", async () => {
    const { contentId } = await aDuePiece(db.pool, ["x"]);
    await expect(
      dispatchDuePosts({ pool: crashingOnRecord(db.pool), logger }, { x: adapter() }),
    ).rejects.toThrow();
    const before = x.posts.length;
    x.readsRefused = true;
    await leaseRunsOut(db.pool);
    expect(await dispatchDuePosts({ pool: db.pool, logger }, { x: adapter() })).toEqual({
      attempted: 1,
      posted: 0,
      failed: 1,
    });
    expect(x.posts.length).toBe(before);
    const [post] = await postsOf(db.pool, contentId);
    expect(post).toMatchObject({ status: "needs_operator", external_id: null });
    expect(post!.error).toMatch(/may have been accepted by x/);
    expect(await dispatchDuePosts({ pool: db.pool, logger }, { x: adapter() })).toMatchObject({
      attempted: 0,
    });
  });

  it("when X refuses a post, then that post fails at once with X's reason and the piece's other posts still go out", async () => {
    const { contentId } = await aDuePiece(db.pool, ["x", "youtube"]);
    x.nextCreate.push({
      status: 403,
      json: {
        title: "Forbidden",
        detail: "You are not allowed to create a Tweet with duplicate content.",
        status: 403,
      },
    });
    const result = await dispatchDuePosts(
      { pool: db.pool, logger },
      { x: adapter(), youtube: createDryRunAdapter(db.pool, "youtube") },
    );
    expect(result).toEqual({ attempted: 2, posted: 1, failed: 1 });
    const posts = await postsOf(db.pool, contentId);
    expect(posts.find((p) => p.platform === "x")).toMatchObject({ status: "failed", attempts: 1 });
    expect(posts.find((p) => p.platform === "x")!.error).toContain("duplicate content");
    expect(posts.find((p) => p.platform === "x")!.in_flight_since).toBeNull();
    expect(posts.find((p) => p.platform === "youtube")!.status).toBe("posted");
  });
});
