-- The seed's tables (leads, projects, workflow_runs, assets, campaigns) and what the pipeline needs.

CREATE TABLE leads (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email       text NOT NULL,
  name        text,
  company     text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX leads_email_idx ON leads (lower(email));

CREATE TABLE projects (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  lead_id     uuid NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
  sector      text NOT NULL,
  idea        text NOT NULL,
  goals       text,
  budget      text,
  timeline    text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX projects_lead_idx ON projects (lead_id);

CREATE TABLE workflow_runs (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id   uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  workflow     text NOT NULL,
  status       text NOT NULL DEFAULT 'queued'
               CHECK (status IN ('queued', 'running', 'awaiting_review', 'completed', 'failed')),
  error        text,
  attempts     integer NOT NULL DEFAULT 0,
  created_at   timestamptz NOT NULL DEFAULT now(),
  started_at   timestamptz,
  finished_at  timestamptz,
  -- When every artifact was stored and lead_ready fired.
  lead_ready_at timestamptz
);
CREATE INDEX workflow_runs_project_idx ON workflow_runs (project_id, created_at DESC);
CREATE INDEX workflow_runs_status_idx ON workflow_runs (status);

CREATE TABLE run_steps (
  run_id       uuid NOT NULL REFERENCES workflow_runs (id) ON DELETE CASCADE,
  step         text NOT NULL,
  position     integer NOT NULL,
  status       text NOT NULL DEFAULT 'pending'
               CHECK (status IN ('pending', 'running', 'completed', 'failed', 'skipped')),
  started_at   timestamptz,
  finished_at  timestamptz,
  error        text,
  PRIMARY KEY (run_id, step)
);

CREATE TABLE assets (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id    uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  run_id        uuid NOT NULL REFERENCES workflow_runs (id) ON DELETE CASCADE,
  step          text NOT NULL,
  kind          text NOT NULL,
  name          text NOT NULL,
  content_type  text NOT NULL,
  storage_key   text NOT NULL UNIQUE,
  size_bytes    bigint NOT NULL,
  sha256        text NOT NULL,
  offline_draft boolean NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (run_id, name)
);
CREATE INDEX assets_project_idx ON assets (project_id);

CREATE TABLE campaigns (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id  uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  run_id      uuid NOT NULL UNIQUE REFERENCES workflow_runs (id) ON DELETE CASCADE,
  status      text NOT NULL DEFAULT 'scheduled'
              CHECK (status IN ('scheduled', 'sending', 'completed', 'failed')),
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per email of a campaign: the delivery state the orchestrator owns.
CREATE TABLE campaign_emails (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  campaign_id         uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  project_id          uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  step                text NOT NULL CHECK (step IN ('demo', 'prototype', 'calendar')),
  position            integer NOT NULL,
  to_email            text NOT NULL,
  subject             text NOT NULL,
  preheader           text NOT NULL,
  html                text NOT NULL,
  text_body           text NOT NULL,
  status              text NOT NULL DEFAULT 'scheduled'
                      CHECK (status IN ('scheduled', 'sending', 'sent', 'failed')),
  send_after          timestamptz NOT NULL,
  -- 'scheduler': the orchestrator's own scheduler sends it; 'automation': n8n asks for each step.
  dispatch            text NOT NULL DEFAULT 'scheduler' CHECK (dispatch IN ('scheduler', 'automation')),
  sent_at             timestamptz,
  provider            text,
  provider_message_id text,
  idempotency_key     text NOT NULL UNIQUE,
  attempts            integer NOT NULL DEFAULT 0,
  error               text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (campaign_id, step)
);
CREATE INDEX campaign_emails_due_idx ON campaign_emails (send_after) WHERE status IN ('scheduled', 'sending');

-- The local mailer: what would have left the machine. Keyed like Resend's idempotency key.
CREATE TABLE outbox_messages (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  idempotency_key  text NOT NULL UNIQUE,
  from_email       text NOT NULL,
  to_email         text NOT NULL,
  subject          text NOT NULL,
  html             text NOT NULL,
  text_body        text NOT NULL,
  tags             jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE idempotency_keys (
  key              text PRIMARY KEY,
  request_hash     text NOT NULL,
  response_status  integer NOT NULL,
  response_body    jsonb NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);

-- Signatures already accepted, so a replayed webhook is refused.
CREATE TABLE webhook_receipts (
  signature    text PRIMARY KEY,
  source       text NOT NULL,
  event        text NOT NULL,
  payload      jsonb NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now()
);

-- Alertmanager's notifications, so operators see what fired beside the runs it concerns.
CREATE TABLE alert_notifications (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  group_key    text NOT NULL,
  status       text NOT NULL,
  alerts       jsonb NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_notifications_received_idx ON alert_notifications (received_at DESC);
