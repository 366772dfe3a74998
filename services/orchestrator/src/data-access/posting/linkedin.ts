/**
 * LinkedIn through its REST Posts API (`POST /rest/posts`, `LinkedIn-Version` and
 * `X-Restli-Protocol-Version: 2.0.0`), as an organisation or a member (LINKEDIN_AUTHOR_URN).
 * Access tokens last 60 days; with a refresh token the adapter refreshes before expiry and on a 401.
 * After an attempt that may have gone through, the author's recent posts are searched for the same
 * commentary; reading them needs r_organization_social / r_member_social, and without it nobody can
 * tell, so the post waits for an operator.
 */
import type { PostingAdapter } from "../../business-logic/posting.ts";
import { PostingError } from "../../business-logic/posting.ts";
import type { PostingConfig } from "../../config.ts";
import { platformFetch } from "./http.ts";

/**
 * The post's text in LinkedIn's "little text" format: reserved characters escaped (an unescaped
 * parenthesis cuts a post short), our hashtags as hashtag templates.
 */
export function littleText(text: string, hashtags: readonly string[]): string {
  const tags = new Set(hashtags.map((h) => h.replace(/^#/, "")));
  return text
    .split(/(#[\p{L}\p{N}_]+)/u)
    .map((part) => {
      const tag = /^#([\p{L}\p{N}_]+)$/u.exec(part)?.[1];
      if (tag && tags.has(tag)) return `{hashtag|\\#|${tag}}`;
      return part.replace(/[\\|{}@[\]()<>#*_~]/g, (c) => `\\${c}`);
    })
    .join("");
}

export function createLinkedInAdapter(config: NonNullable<PostingConfig["linkedin"]>): PostingAdapter {
  let token = config.accessToken ? { value: config.accessToken, expiresAt: Infinity } : undefined;
  const canRefresh = Boolean(config.refreshToken && config.clientId && config.clientSecret);

  async function refresh(): Promise<string> {
    if (!canRefresh) {
      throw new PostingError(
        "refused",
        "linkedin refused the access token and no refresh token is configured: set a new LINKEDIN_ACCESS_TOKEN, or LINKEDIN_REFRESH_TOKEN with LINKEDIN_CLIENT_ID and LINKEDIN_CLIENT_SECRET",
      );
    }
    const { body } = await platformFetch("linkedin", config.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: config.refreshToken!,
        client_id: config.clientId!,
        client_secret: config.clientSecret!,
      }),
      creates: false,
    });
    if (typeof body.access_token !== "string")
      throw new PostingError("transient", "linkedin gave no access_token");
    const seconds = typeof body.expires_in === "number" ? body.expires_in : 3600;
    token = { value: body.access_token, expiresAt: Date.now() + seconds * 1000 };
    return token.value;
  }

  async function accessToken(): Promise<string> {
    // Refreshed five minutes before it runs out.
    if (token && token.expiresAt - Date.now() > 300_000) return token.value;
    return refresh();
  }

  /** One API call; a 401 refreshes the token and tries once more. */
  async function call(path: string, init: RequestInit & { creates: boolean }) {
    const send = async (bearer: string) =>
      platformFetch("linkedin", `${config.baseUrl}${path}`, {
        ...init,
        headers: {
          ...(init.headers as Record<string, string>),
          authorization: `Bearer ${bearer}`,
          "linkedin-version": config.version,
          "x-restli-protocol-version": "2.0.0",
        },
      });
    try {
      return await send(await accessToken());
    } catch (err) {
      if ((err as { status?: number }).status !== 401) throw err;
      return send(await refresh());
    }
  }

  return {
    platform: "linkedin",
    name: "linkedin-posts",
    async post(post) {
      const { headers, body } = await call("/rest/posts", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          author: config.authorUrn,
          commentary: littleText(post.text_body, post.hashtags),
          visibility: "PUBLIC",
          distribution: {
            feedDistribution: "MAIN_FEED",
            targetEntities: [],
            thirdPartyDistributionChannels: [],
          },
          lifecycleState: "PUBLISHED",
          isReshareDisabledByAuthor: false,
        }),
        creates: true,
      });
      const id = headers.get("x-restli-id") ?? (typeof body.id === "string" ? body.id : undefined);
      // Accepted but no id: the post exists, so this is not worth a second post.
      if (!id) throw new PostingError("unknown", "linkedin accepted the post without naming its id");
      return { externalId: id };
    },
    async findExisting(post) {
      const commentary = littleText(post.text_body, post.hashtags);
      try {
        const { body } = await call(
          `/rest/posts?q=author&author=${encodeURIComponent(config.authorUrn)}&count=20&sortBy=LAST_MODIFIED`,
          { method: "GET", creates: false },
        );
        const elements = Array.isArray(body.elements)
          ? (body.elements as Array<Record<string, unknown>>)
          : [];
        const match = elements.find((e) => e.commentary === commentary && typeof e.id === "string");
        return match ? { externalId: match.id as string } : null;
      } catch (err) {
        if (err instanceof PostingError && err.kind === "refused") return "unknown"; // no read permission
        throw err;
      }
    },
  };
}
