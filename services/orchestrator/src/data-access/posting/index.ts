/**
 * The posting adapters the content flow uses: a platform's real adapter when its credentials are
 * configured (PostingConfig), the dry-run adapter otherwise.
 */
import type { Platform } from "../../business-logic/content-adaptation.ts";
import { dryRunAdapters, type PostingAdapter } from "../../business-logic/posting.ts";
import type { Deps } from "../../business-logic/deps.ts";
import { tokenStore } from "./http.ts";
import { createInstagramAdapter, type InstagramOptions } from "./instagram.ts";
import { createLinkedInAdapter } from "./linkedin.ts";
import { createXAdapter } from "./x.ts";
import { createYouTubeAdapter } from "./youtube.ts";

export function postingAdapters(
  deps: Pick<Deps, "pool" | "assets" | "config">,
  options: { instagram?: InstagramOptions } = {},
): Record<Platform, PostingAdapter> {
  const { pool, assets, config } = deps;
  const { x, linkedin, youtube, instagram } = config.posting;
  const adapters = dryRunAdapters(pool);
  if (x) adapters.x = createXAdapter(x);
  if (linkedin) adapters.linkedin = createLinkedInAdapter(linkedin);
  if (youtube) adapters.youtube = createYouTubeAdapter(pool, assets, youtube);
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
