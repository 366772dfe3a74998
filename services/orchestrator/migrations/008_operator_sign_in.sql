-- The ops console's sign-in, shared by every portal process (services/frontend calls the API).
-- Attempts per key (name and address, and address alone), written by rate-limiter-flexible
-- before the password is checked; rows whose window has passed are pruned by the retention job.
CREATE TABLE operator_sign_in_limits (
  key     varchar(255) PRIMARY KEY,
  points  integer NOT NULL DEFAULT 0,
  expire  bigint
);
CREATE INDEX operator_sign_in_limits_expire_idx ON operator_sign_in_limits (expire);

-- One row per operator sign-in; the portal's cookie names the row, and signing out revokes it,
-- so a copied cookie stops working at logout and not only when it expires.
CREATE TABLE operator_sessions (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  operator    text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);
CREATE INDEX operator_sessions_expires_idx ON operator_sessions (expires_at);
