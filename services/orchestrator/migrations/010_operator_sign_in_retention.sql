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

-- Retention (business-logic/retention.ts): when a completed run's checkpoints were pruned to the
-- last one, and when that one went too, so the job does not look at the run again.
ALTER TABLE workflow_runs ADD COLUMN checkpoints_pruned_at timestamptz;
ALTER TABLE workflow_runs ADD COLUMN checkpoints_deleted_at timestamptz;
CREATE INDEX workflow_runs_prunable_idx ON workflow_runs (finished_at)
  WHERE status = 'completed' AND checkpoints_deleted_at IS NULL;
CREATE INDEX webhook_receipts_received_idx ON webhook_receipts (received_at);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
CREATE INDEX portal_magic_links_expires_idx ON portal_magic_links (expires_at);
