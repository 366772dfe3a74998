-- Usage rows reported by a BudgetExceededError (calls paid for in the step that was stopped) are
-- not in the run's checkpointed `usage` channel; the worker counts only the channel's rows when it
-- appends new ones.
ALTER TABLE run_usage ADD COLUMN from_checkpoint boolean NOT NULL DEFAULT true;
