/**
 * What the posting adapters' tests share: a real Postgres database (from the global setup) with
 * the migrations, pieces with posts due now, a project with an explainer MP4, and a pool that "crashes" the dispatcher right after
 * a platform accepted a post and before our record of it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type pg from "pg";
import { createTestDatabase, type TestDatabase } from "@roboagency/testing/database";
import type { Platform } from "../business-logic/content-adaptation.ts";
import { publishContent } from "../business-logic/content.ts";
import type { SocialPostRow } from "../data-access/social-posts.ts";
import type { ContentMedia } from "../business-logic/posting.ts";
import { createLocalAssetStore, type AssetStore } from "../data-access/assets.ts";
import { migrate, openDatabase, type Database } from "../data-access/database.ts";
import { insertLead, insertProject } from "../data-access/leads-projects.ts";
import { insertRun, upsertAsset } from "../data-access/runs.ts";
import { createLogger } from "../observability/logger.ts";

export const quietLogger = createLogger("silent", "posting-test");

export async function startPostingDb(): Promise<{ pool: pg.Pool; stop(): Promise<void> }> {
  const testDb: TestDatabase = await createTestDatabase();
  const db: Database = await openDatabase({ url: testDb.url });
  await migrate(db.pool);
  return {
    pool: db.pool,
    async stop() {
      await db.close();
      await testDb.drop();
    },
  };
}

let seq = 0;

/** A published piece whose posts on `platforms` are due now; answers the posts. */
export async function aDuePiece(
  pool: pg.Pool,
  platforms: Platform[],
  media: ContentMedia = {},
): Promise<{ contentId: string; posts: SocialPostRow[] }> {
  const n = ++seq;
  const { contentId } = await publishContent(
    pool,
    {
      source: "mdx",
      externalId: `piece-${n}-${Date.now()}`,
      title: `Testing against real services, part ${n}`,
      url: `https://agency.example/blog/real-services-${n}`,
      text:
        "Our tests start real Postgres and real Redis (no mocks). Fakes stand in only for vendors we cannot reach. " +
        "Each test file gets its own database, so the suite stays fast.",
      tags: ["testing", "postgres"],
      publishedAt: new Date(),
    },
    {
      platforms,
      start: new Date(Date.now() - 60_000),
      offsetsMinutes: { x: 0, linkedin: 0, instagram: 0, youtube: 0 },
    },
    media,
  );
  return { contentId, posts: await postsOf(pool, contentId) };
}

export async function postsOf(pool: pg.Pool, contentId: string) {
  const { rows } = await pool.query<
    SocialPostRow & { in_flight_since: Date | null; platform_state: Record<string, unknown> }
  >("SELECT * FROM social_posts WHERE content_id = $1 ORDER BY platform", [contentId]);
  return rows;
}

/** Lets the lease of every claimed post run out, as time passing after a crash would. */
export async function leaseRunsOut(pool: pg.Pool) {
  await pool.query("UPDATE social_posts SET updated_at = now() - interval '1 hour' WHERE status = 'posting'");
}

/**
 * A pool whose process "dies" at the moment we would record a post as posted: that query and
 * every one after it fail, as they would on a dead process, so nothing more reaches Postgres.
 */
export function crashingOnRecord(pool: pg.Pool): pg.Pool {
  let dead = false;
  return new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop !== "query") return Reflect.get(target, prop, receiver);
      return (text: unknown, ...rest: unknown[]) => {
        if (typeof text === "string" && text.includes("status = 'posted'")) dead = true;
        if (dead) return Promise.reject(new Error("the process died"));
        return (target.query as (...a: unknown[]) => unknown).call(target, text, ...rest);
      };
    },
  });
}

/** Marks every post posted, so the next test starts with nothing due. */
export async function nothingDue(pool: pg.Pool) {
  await pool.query("UPDATE social_posts SET status = 'posted' WHERE status <> 'posted'");
}

/**
 * A project whose run stored `video` as its explainer MP4, in a real local asset store of its own
 * (served under `baseUrl`); `cleanup` removes the store's folder.
 */
export async function aProjectWithExplainer(
  pool: pg.Pool,
  { baseUrl, video }: { baseUrl: string; video: Buffer },
): Promise<{ projectId: string; assets: AssetStore; cleanup(): void }> {
  const dir = mkdtempSync(path.join(tmpdir(), "posting-assets-"));
  const assets = createLocalAssetStore({ dir, baseUrl, signingSecret: "a-signing-secret-of-length" });
  const intake = {
    email: "ada@example.com",
    sector: "saas",
    idea: "A scheduling assistant for small clinics",
  };
  const projectId = await insertProject(pool, await insertLead(pool, intake), intake);
  const runId = await insertRun(pool, projectId, "proto_v1");
  const key = `videos/${projectId}/${runId}/explainer.mp4`;
  const stored = await assets.put(key, video, "video/mp4");
  await upsertAsset(pool, {
    projectId,
    runId,
    step: "explainer_producer",
    kind: "video",
    name: "explainer/explainer.mp4",
    contentType: "video/mp4",
    storageKey: key,
    ...stored,
    offlineDraft: true,
  });
  return { projectId, assets, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
