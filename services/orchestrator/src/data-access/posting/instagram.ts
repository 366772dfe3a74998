/**
 * Instagram through the Graph API's content publishing flow (Instagram API with Instagram Login):
 * a media container from a public image or video URL (a video becomes a Reel), then media_publish.
 * The container's id is saved on the post before it is published, so a resume publishes that same
 * container, or, when the container says PUBLISHED, finds the media among the account's newest by
 * its caption instead of posting again. The long-lived token (60 days) is refreshed once a day and
 * kept sealed in Postgres.
 */
import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { PostingAdapter } from "../../business-logic/posting.ts";
import { PostingError } from "../../business-logic/posting.ts";
import type { PostingConfig } from "../../config.ts";
import type { AssetStore } from "../assets.ts";
import type { Queryable } from "../database.ts";
import { platformFetch, postMedia, sameText, type TokenStore } from "./http.ts";

/** Graph API error codes that mean "too many calls" (app, user, page) or the 24-hour publishing limit. */
const LIMIT_CODES = new Set([4, 17, 32, 613, 9]);
const DAY_MS = 86_400_000;

export interface InstagramOptions {
  /** Between looks at a video container's status. Defaults to 5 s. */
  pollIntervalMs?: number;
  /** Looks before the attempt gives up for now (the container id is kept). Defaults to 60. */
  maxPolls?: number;
}

export function createInstagramAdapter(
  db: Queryable,
  assets: AssetStore,
  tokens: TokenStore,
  config: NonNullable<PostingConfig["instagram"]>,
  options: InstagramOptions = {},
): PostingAdapter {
  const api = `${config.baseUrl}/${config.version}`;
  const seed = createHash("sha256").update(config.accessToken).digest("hex");

  /** The newest token: the stored one, unless the operator configured a new one since. */
  async function accessToken(): Promise<string> {
    const stored = await tokens.load("instagram");
    let current = config.accessToken;
    let refreshedAt = 0;
    if (stored) {
      const { seed: storedSeed, token } = JSON.parse(stored.token) as { seed: string; token: string };
      if (storedSeed === seed) {
        current = token;
        refreshedAt = stored.updatedAt.getTime();
      }
    }
    if (Date.now() - refreshedAt < DAY_MS) return current;
    try {
      const { body } = await platformFetch(
        "instagram",
        `${config.baseUrl}/refresh_access_token?${new URLSearchParams({ grant_type: "ig_refresh_token", access_token: current })}`,
        { method: "GET", creates: false },
      );
      if (typeof body.access_token === "string") current = body.access_token;
      const expiresIn = typeof body.expires_in === "number" ? body.expires_in : 60 * 86_400;
      await tokens.save(
        "instagram",
        JSON.stringify({ seed, token: current }),
        new Date(Date.now() + expiresIn * 1000),
      );
    } catch (err) {
      // A token younger than a day cannot be refreshed yet; it still works. Try again tomorrow.
      if (!(err instanceof PostingError && err.kind === "refused")) throw err;
      await tokens.save("instagram", JSON.stringify({ seed, token: current }), null);
    }
    return current;
  }

  async function call(
    path: string,
    init: { method: "GET" | "POST"; params?: Record<string, string>; creates: boolean },
  ) {
    const token = await accessToken();
    const query = init.method === "GET" && init.params ? `?${new URLSearchParams(init.params)}` : "";
    try {
      return await platformFetch("instagram", `${api}${path}${query}`, {
        method: init.method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(init.method === "POST" ? { "content-type": "application/x-www-form-urlencoded" } : {}),
        },
        body: init.method === "POST" ? new URLSearchParams(init.params) : undefined,
        creates: init.creates,
      });
    } catch (err) {
      throw asLimit(err);
    }
  }

  /** Graph API limits come as 400/403 with an error code rather than a 429. */
  function asLimit(err: unknown): unknown {
    const code = (err as { graphCode?: number }).graphCode;
    if (
      err instanceof PostingError &&
      err.kind === "refused" &&
      code !== undefined &&
      LIMIT_CODES.has(code)
    ) {
      return new PostingError("rate_limited", err.message, 3600);
    }
    return err;
  }

  async function containerStatus(id: string): Promise<string> {
    const { body } = await call(`/${id}`, {
      method: "GET",
      params: { fields: "status_code" },
      creates: false,
    });
    return String(body.status_code ?? "");
  }

  return {
    platform: "instagram",
    name: "instagram-graph",
    async post(post, attempt) {
      let container = typeof attempt.state.container_id === "string" ? attempt.state.container_id : undefined;
      if (container && (await containerStatus(container)) === "EXPIRED") container = undefined;
      if (!container) {
        const media = await postMedia(db, assets, post.content_id);
        const params: Record<string, string> = { caption: post.text_body };
        if (media.videoUrl) Object.assign(params, { media_type: "REELS", video_url: media.videoUrl });
        else if (media.imageUrl) params.image_url = media.imageUrl;
        else {
          throw new PostingError(
            "refused",
            "Instagram needs an image or a video: publish the piece with image_url or video_url, or with the project_id of a project with an explainer MP4",
          );
        }
        // A container is not a post: a lost answer here publishes nothing.
        const { body } = await call(`/${config.userId}/media`, { method: "POST", params, creates: false });
        if (typeof body.id !== "string")
          throw new PostingError("transient", "instagram gave no container id");
        container = body.id;
        await attempt.save({ container_id: container });
      }
      for (let i = 0; ; i++) {
        const status = await containerStatus(container);
        if (status === "FINISHED" || status === "") break;
        if (status === "PUBLISHED")
          throw new PostingError("unknown", `instagram container ${container} is already published`);
        if (status === "ERROR" || status === "EXPIRED") {
          await attempt.save({ container_id: null });
          throw new PostingError("transient", `instagram could not process the media (container ${status})`);
        }
        if (i + 1 >= (options.maxPolls ?? 60)) {
          throw new PostingError("transient", `instagram is still processing container ${container}`);
        }
        await sleep(options.pollIntervalMs ?? 5000);
      }
      const { body } = await call(`/${config.userId}/media_publish`, {
        method: "POST",
        params: { creation_id: container },
        creates: true,
      });
      if (typeof body.id !== "string")
        throw new PostingError("unknown", "instagram published without naming the media id");
      return { externalId: body.id };
    },
    async findExisting(post, attempt) {
      const container =
        typeof attempt.state.container_id === "string" ? attempt.state.container_id : undefined;
      // Never got a container, or it is not published: nothing is on the account.
      if (!container || (await containerStatus(container)) !== "PUBLISHED") return null;
      const { body } = await call(`/${config.userId}/media`, {
        method: "GET",
        params: { fields: "id,caption,timestamp", limit: "25" },
        creates: false,
      });
      const items = Array.isArray(body.data) ? (body.data as Array<{ id?: string; caption?: string }>) : [];
      const match = items.find((m) => m.id && m.caption !== undefined && sameText(m.caption, post.text_body));
      return match?.id ? { externalId: match.id } : "unknown";
    },
  };
}
