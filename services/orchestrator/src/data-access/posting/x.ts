/**
 * X (Twitter) through twitter-api-v2: text posts with OAuth 1.0a user context (no token expires).
 * After an attempt that may have gone through, the account's timeline since the attempt is searched
 * for the same text (X rewrites links to t.co, so links are compared as links). X's free tier has
 * no read access: then nobody can tell, and the post waits for an operator.
 */
import {
  ApiPartialResponseError,
  ApiRequestError,
  ApiResponseError,
  TwitterApi,
  type TweetV2PostTweetResult,
  type TweetV2UserTimelineResult,
  type UserV2Result,
} from "twitter-api-v2";
import type { Agent } from "node:https";
import type { PostingAdapter } from "../../business-logic/posting.ts";
import { PostingError } from "../../business-logic/posting.ts";
import type { PostingConfig } from "../../config.ts";
import { retryAfterSeconds, sameText } from "./http.ts";

function fromTwitter(err: unknown, creates: boolean): PostingError {
  if (err instanceof ApiResponseError) {
    const detail = err.data?.detail ?? err.data?.title ?? err.message;
    const what = `x answered ${err.code}: ${String(detail).slice(0, 300)}`;
    if (err.code === 429) {
      const reset = err.rateLimit?.reset ? err.rateLimit.reset - Math.floor(Date.now() / 1000) : undefined;
      const header = retryAfterSeconds(String(err.headers?.["retry-after"] ?? ""));
      return new PostingError("rate_limited", what, header ?? (reset && reset > 0 ? reset : 60));
    }
    if (err.code >= 500) return new PostingError(creates ? "unknown" : "transient", what);
    return new PostingError("refused", what);
  }
  if (err instanceof ApiRequestError || err instanceof ApiPartialResponseError) {
    return new PostingError(creates ? "unknown" : "transient", `x did not answer: ${err.message}`);
  }
  return new PostingError(creates ? "unknown" : "transient", `x: ${(err as Error).message}`);
}

export function createXAdapter(
  config: NonNullable<PostingConfig["x"]>,
  /** An HTTPS agent (a proxy's, or one trusting a test server's certificate). */
  options: { httpAgent?: Agent } = {},
): PostingAdapter {
  const client = new TwitterApi(
    {
      appKey: config.appKey,
      appSecret: config.appSecret,
      accessToken: config.accessToken,
      accessSecret: config.accessSecret,
    },
    options.httpAgent ? { httpAgent: options.httpAgent } : undefined,
  );
  const v2 = client.readWrite.v2;
  // The library's own request methods with its `prefix` option: signing, errors and rate-limit
  // headers stay the library's, and tests point it at a fake X on loopback.
  const prefix = `${config.baseUrl}/2/`;
  let userId: string | undefined;

  return {
    platform: "x",
    name: "x-api-v2",
    async post(post) {
      try {
        const { data } = await v2.post<TweetV2PostTweetResult>(
          "tweets",
          { text: post.text_body },
          { prefix },
        );
        return { externalId: data.id };
      } catch (err) {
        throw fromTwitter(err, true);
      }
    },
    async findExisting(post, attempt) {
      try {
        userId ??= (await v2.get<UserV2Result>("users/me", undefined, { prefix })).data.id;
        const timeline = await v2.get<TweetV2UserTimelineResult>(
          "users/:id/tweets",
          {
            start_time: new Date(attempt.since.getTime() - 60_000).toISOString(),
            max_results: 100,
            exclude: "replies,retweets",
          },
          { prefix, params: { id: userId } },
        );
        const match = (timeline.data ?? []).find((t) => sameText(t.text, post.text_body));
        return match ? { externalId: match.id } : null;
      } catch (err) {
        const error = fromTwitter(err, false);
        if (error.kind === "refused") return "unknown"; // no read access on this tier
        throw error;
      }
    },
  };
}
