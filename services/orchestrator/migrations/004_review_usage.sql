-- Durable runs with people in the loop and a cost budget: a run can stop for review or for its
-- budget, each review decision is kept, and every provider call's tokens and cost are recorded.
-- The pipeline's own checkpoints live in the "langgraph" schema (PostgresSaver.setup creates it).

ALTER TABLE workflow_runs DROP CONSTRAINT workflow_runs_status_check;
ALTER TABLE workflow_runs ADD CONSTRAINT workflow_runs_status_check
  CHECK (status IN ('queued', 'running', 'awaiting_review', 'completed', 'failed', 'budget_exceeded'));
-- When the run last went back in line (a review decision, a retry), for the sweep of lost jobs.
ALTER TABLE workflow_runs ADD COLUMN queued_at timestamptz;

-- One row per stop at a review gate; the decision fields stay empty until an operator answers.
CREATE TABLE run_reviews (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  run_id        uuid NOT NULL REFERENCES workflow_runs (id) ON DELETE CASCADE,
  gate          text NOT NULL,
  step          text NOT NULL,
  -- The pipeline's interrupt id: the decision resumes exactly this stop.
  interrupt_id  text NOT NULL,
  artifacts     jsonb NOT NULL,
  requested_at  timestamptz NOT NULL DEFAULT now(),
  decision      text CHECK (decision IN ('approve', 'edit', 'send_back')),
  comment       text,
  edits         jsonb,
  reviewer      text,
  decided_at    timestamptz,
  UNIQUE (run_id, interrupt_id)
);
CREATE INDEX run_reviews_run_idx ON run_reviews (run_id, requested_at);

-- Provider usage as the pipeline reports it, one row per call (the offline model reports none).
CREATE TABLE run_usage (
  id             bigserial PRIMARY KEY,
  run_id         uuid NOT NULL REFERENCES workflow_runs (id) ON DELETE CASCADE,
  project_id     uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  step           text NOT NULL,
  provider       text NOT NULL,
  model          text NOT NULL,
  input_tokens   integer NOT NULL CHECK (input_tokens >= 0),
  output_tokens  integer NOT NULL CHECK (output_tokens >= 0),
  cost_usd       numeric(14, 6) NOT NULL CHECK (cost_usd >= 0),
  recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX run_usage_run_idx ON run_usage (run_id);
CREATE INDEX run_usage_project_idx ON run_usage (project_id);
