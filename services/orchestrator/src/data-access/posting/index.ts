/**
 * The posting adapters the content flow uses: a platform's real adapter when its credentials are
 * configured (PostingConfig), the dry-run adapter otherwise. X's and YouTube's adapters load with
 * their first call: their SDKs (twitter-api-v2, googleapis' client) would otherwise sit in the
 * API's memory from its start, configured or not.
 */
import type { Platform } from "../../business-logic/content-adaptation.ts";
import { dryRunAdapters, type PostingAdapter } from "../../business-logic/posting.ts";
import type { Deps } from "../../business-logic/deps.ts";
import { tokenStore } from "./http.ts";
import { createInstagramAdapter, type InstagramOptions } from "./instagram.ts";
import { createLinkedInAdapter } from "./linkedin.ts";

/** Names the adapters record their posts under; x.ts and youtube.ts use the same (a test checks). */
export const ADAPTER_NAMES = { x: "x-api-v2", youtube: "youtube-data-v3" } as const;

/** An adapter whose module is imported on its first call, then answers as that module's adapter. */
export function loadedOnFirstCall(
  platform: keyof typeof ADAPTER_NAMES,
  load: () => Promise<PostingAdapter>,
): PostingAdapter {
  let adapter: Promise<PostingAdapter> | undefined;
  const loaded = () =>
    (adapter ??= load().catch((err: unknown) => {
      adapter = undefined;
      throw err;
    }));
  return {
    platform,
    name: ADAPTER_NAMES[platform],
    post: async (post, attempt) => (await loaded()).post(post, attempt),
    findExisting: async (post, attempt) => {
      const real = await loaded();
      return real.findExisting ? real.findExisting(post, attempt) : "unknown";
    },
  };
}

export function postingAdapters(
  deps: Pick<Deps, "pool" | "assets" | "config">,
  options: { instagram?: InstagramOptions } = {},
): Record<Platform, PostingAdapter> {
  const { pool, assets, config } = deps;
  const { x, linkedin, youtube, instagram } = config.posting;
  const adapters = dryRunAdapters(pool);
  if (x) adapters.x = loadedOnFirstCall("x", async () => (await import("./x.ts")).createXAdapter(x));
  if (linkedin) adapters.linkedin = createLinkedInAdapter(linkedin);
  if (youtube) {
    adapters.youtube = loadedOnFirstCall("youtube", async () =>
      (await import("./youtube.ts")).createYouTubeAdapter(pool, assets, youtube),
    );
  }
  if (instagram) {
    adapters.instagram = createInstagramAdapter(
      pool,
      assets,
      tokenStore(pool, config.secretKey),
      instagram,
      options.instagram,
    );
  }
  return adapters;
}
