/**
 * Rate limits on rate-limiter-flexible: counters in Redis when REDIS_URL is set (Postgres stands
 * in while Redis is down), else in Postgres, so every API process sees the same counts. Each
 * consume is one atomic upsert or script, so parallel requests cannot all pass a check.
 */
import type pg from "pg";
import { Redis } from "ioredis";
import {
  RateLimiterPostgres,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from "rate-limiter-flexible";

export interface Limit {
  /** Takes `points`; false (with seconds until the window resets) when that goes over the limit. */
  take(key: string, points?: number): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }>;
  /** Gives points back, e.g. when a later check refused the request. */
  giveBack(key: string, points?: number): Promise<void>;
  /** Whether the key has used its points in the current window, without taking any. */
  isSpent(key: string): Promise<{ spent: false } | { spent: true; retryAfterSeconds: number }>;
}

export interface RateLimits {
  /** `points` per `seconds` per key, under its own name. */
  limit(name: string, points: number, seconds: number): Limit;
  close(): Promise<void>;
}

export const RATE_LIMIT_TABLE = "rate_limits";

export function createRateLimits(options: {
  pool: pg.Pool;
  redisUrl?: string;
  /** Separates agencies that share one Redis (the queue name serves). */
  namespace: string;
}): RateLimits {
  const redis = options.redisUrl
    ? new Redis(options.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 })
    : undefined;
  // ioredis reconnects by itself; while it is down the Postgres store counts instead.
  redis?.on("error", () => {});
  const made = new Map<string, RateLimiterAbstract>();

  return {
    limit(name, points, seconds) {
      const keyPrefix = `${options.namespace}:${name}`;
      let limiter = made.get(keyPrefix);
      if (!limiter) {
        const postgres = new RateLimiterPostgres({
          storeClient: options.pool,
          storeType: "pool",
          tableName: RATE_LIMIT_TABLE,
          tableCreated: true,
          // The library deletes rows whose window ended over an hour ago, every five minutes.
          clearExpiredByTimeout: true,
          keyPrefix,
          points,
          duration: seconds,
        });
        limiter = redis
          ? new RateLimiterRedis({
              storeClient: redis,
              keyPrefix,
              points,
              duration: seconds,
              rejectIfRedisNotReady: true,
              insuranceLimiter: postgres,
            })
          : postgres;
        made.set(keyPrefix, limiter);
      }
      const rl = limiter;
      return {
        async take(key, n = 1) {
          try {
            await rl.consume(key, n);
            return { ok: true };
          } catch (err) {
            if (err instanceof RateLimiterRes) {
              return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(err.msBeforeNext / 1000)) };
            }
            throw err;
          }
        },
        async giveBack(key, n = 1) {
          await rl.reward(key, n);
        },
        async isSpent(key) {
          const state = await rl.get(key);
          if (!state || state.consumedPoints < points) return { spent: false };
          return { spent: true, retryAfterSeconds: Math.max(1, Math.ceil(state.msBeforeNext / 1000)) };
        },
      };
    },
    async close() {
      redis?.disconnect();
    },
  };
}
