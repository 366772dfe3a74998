/**
 * The LinkedIn adapter (REST Posts API) against a fake LinkedIn on loopback (@roboagency/testing/fake-platforms:
 * a fake server that speaks the Posts API and the OAuth2 token endpoint, not LinkedIn), with the
 * real dispatcher on real Postgres.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDryRunAdapter } from "../../business-logic/posting.ts";
import { dispatchDuePosts } from "../../business-logic/posting.ts";
import { fakeLinkedIn } from "@roboagency/testing/fake-platforms";
import {
  aDuePiece,
  crashingOnRecord,
  nothingDue,
  leaseRunsOut,
  postsOf,
  quietLogger as logger,
  startPostingDb,
} from "../../testing/posting-harness.ts";
import { createLinkedInAdapter, littleText } from "./linkedin.ts";

let db: Awaited<ReturnType<typeof startPostingDb>>;
let li: Awaited<ReturnType<typeof fakeLinkedIn>>;
beforeAll(async () => {
  db = await startPostingDb();
  li = await fakeLinkedIn();
});
afterAll(async () => {
  await li?.close();
  await db?.stop();
});
afterEach(async () => {
  await nothingDue(db.pool);
  li.nextCreate.length = 0;
  li.readsRefused = false;
});

const AUTHOR = "urn:li:organization:2414183";
const adapter = (accessToken = "li-token-1") =>
  createLinkedInAdapter({
    authorUrn: AUTHOR,
    accessToken,
    refreshToken: "li-refresh",
    clientId: "client",
    clientSecret: "secret",
    version: "202510",
    baseUrl: li.url,
    tokenUrl: `${li.url}/oauth/v2/accessToken`,
  });

describe("LinkedIn adapter", () => {
  it("when text has LinkedIn's reserved characters, then they are escaped and our hashtags become hashtag templates", () => {
    expect(littleText("Fast (really) #Testing and #other_tag @you", ["#Testing"])).toBe(
      "Fast \\(really\\) {hashtag|\\#|Testing} and \\#other\\_tag \\@you",
    );
  });

  it("when a due post is dispatched, then one organisation post is created with the version headers and its URN is recorded", async () => {
    const { contentId } = await aDuePiece(db.pool, ["linkedin"]);
    const before = li.posts.length;
    expect(await dispatchDuePosts({ pool: db.pool, logger }, { linkedin: adapter() })).toEqual({
      attempted: 1,
      posted: 1,
      failed: 0,
    });
    expect(li.posts.length).toBe(before + 1);
    const [post] = await postsOf(db.pool, contentId);
    expect(post).toMatchObject({
      status: "posted",
      adapter: "linkedin-posts",
      external_id: li.posts.at(-1)!.id,
    });
    expect(post!.external_id).toMatch(/^urn:li:share:\d+$/);
    const create = li.requests.filter((r) => r.method === "POST" && r.path === "/rest/posts").at(-1)!;
    expect(create.headers["linkedin-version"]).toBe("202510");
    expect(create.headers["x-restli-protocol-version"]).toBe("2.0.0");
    expect(JSON.parse(create.body.toString())).toMatchObject({
      author: AUTHOR,
      visibility: "PUBLIC",
      lifecycleState: "PUBLISHED",
      commentary: littleText(post!.text_body, post!.hashtags),
    });
  });

  it("when the access token has expired, then the adapter refreshes it with the refresh token and posts once", async () => {
    const { contentId } = await aDuePiece(db.pool, ["linkedin"]);
    const refreshes = li.refreshes();
    const before = li.posts.length;
    expect(
      await dispatchDuePosts({ pool: db.pool, logger }, { linkedin: adapter("an-expired-token") }),
    ).toMatchObject({
      posted: 1,
    });
    expect(li.refreshes()).toBe(refreshes + 1);
    expect(li.posts.length).toBe(before + 1);
    expect((await postsOf(db.pool, contentId))[0]!.status).toBe("posted");
  });

  it("when LinkedIn answers 429 with Retry-After, then the post waits that long and no attempt is counted", async () => {
    const { contentId } = await aDuePiece(db.pool, ["linkedin"]);
    li.nextCreate.push({
      status: 429,
      headers: { "retry-after": "90" },
      json: { status: 429, message: "Too Many Requests" },
    });
    // The refresh above changed the valid token; this adapter starts from a stale one and refreshes.
    expect(await dispatchDuePosts({ pool: db.pool, logger }, { linkedin: adapter() })).toEqual({
      attempted: 1,
      posted: 0,
      failed: 0,
    });
    const [post] = await postsOf(db.pool, contentId);
    expect(post).toMatchObject({ status: "scheduled", attempts: 0, external_id: null });
    const wait = (new Date(post!.scheduled_at).getTime() - Date.now()) / 1000;
    expect(wait).toBeGreaterThan(80);
    expect(wait).toBeLessThanOrEqual(91);
  });

  it("when the dispatcher dies between LinkedIn's acceptance and our record, then the resume finds the post among the author's and records it without posting again", async () => {
    const { contentId } = await aDuePiece(db.pool, ["linkedin"]);
    const before = li.posts.length;
    await expect(
      dispatchDuePosts({ pool: crashingOnRecord(db.pool), logger }, { linkedin: adapter() }),
    ).rejects.toThrow("the process died");
    expect(li.posts.length).toBe(before + 1);
    await leaseRunsOut(db.pool);
    expect(await dispatchDuePosts({ pool: db.pool, logger }, { linkedin: adapter() })).toMatchObject({
      posted: 1,
    });
    expect(li.posts.length).toBe(before + 1);
    expect((await postsOf(db.pool, contentId))[0]).toMatchObject({
      status: "posted",
      external_id: li.posts.at(-1)!.id,
    });
  });

  it("when the dispatcher dies and the app may not read the author's posts, then the post waits for an operator", async () => {
    const { contentId } = await aDuePiece(db.pool, ["linkedin"]);
    await expect(
      dispatchDuePosts({ pool: crashingOnRecord(db.pool), logger }, { linkedin: adapter() }),
    ).rejects.toThrow();
    const before = li.posts.length;
    li.readsRefused = true;
    await leaseRunsOut(db.pool);
    expect(await dispatchDuePosts({ pool: db.pool, logger }, { linkedin: adapter() })).toMatchObject({
      failed: 1,
    });
    expect(li.posts.length).toBe(before);
    expect((await postsOf(db.pool, contentId))[0]!.status).toBe("needs_operator");
  });

  it("when LinkedIn refuses a post, then that post fails with LinkedIn's reason and the piece's other posts go out", async () => {
    const { contentId } = await aDuePiece(db.pool, ["linkedin", "x"]);
    li.nextCreate.push({
      status: 422,
      json: { status: 422, message: "ERROR :: /commentary :: is too long" },
    });
    expect(
      await dispatchDuePosts(
        { pool: db.pool, logger },
        { linkedin: adapter(), x: createDryRunAdapter(db.pool, "x") },
      ),
    ).toEqual({ attempted: 2, posted: 1, failed: 1 });
    const posts = await postsOf(db.pool, contentId);
    expect(posts.find((p) => p.platform === "linkedin")).toMatchObject({ status: "failed" });
    expect(posts.find((p) => p.platform === "linkedin")!.error).toContain("is too long");
    expect(posts.find((p) => p.platform === "x")!.status).toBe("posted");
  });
});
