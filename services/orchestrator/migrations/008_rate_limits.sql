-- Counters of rate-limiter-flexible's Postgres store (one row per key and window); the library's
-- own CREATE TABLE would race between processes, so the table is made here.
CREATE TABLE IF NOT EXISTS rate_limits (
  key    varchar(255) PRIMARY KEY,
  points integer NOT NULL DEFAULT 0,
  expire bigint
);
CREATE INDEX IF NOT EXISTS rate_limits_expire ON rate_limits (expire);
