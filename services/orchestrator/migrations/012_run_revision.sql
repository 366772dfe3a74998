-- A revision per run that moves with every change to what GET /v1/runs/{id} shows (the run row,
-- its steps, artifacts, reviews and usage), so the API can answer a poll with a strong ETag and
-- 304 after one indexed read. Triggers keep it, so no writer can forget to bump it.
ALTER TABLE workflow_runs ADD COLUMN revision bigint NOT NULL DEFAULT 1;

CREATE FUNCTION agency_run_revision_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.revision := OLD.revision + 1;
  RETURN NEW;
END $$;

CREATE TRIGGER workflow_runs_revision BEFORE UPDATE ON workflow_runs
  FOR EACH ROW EXECUTE FUNCTION agency_run_revision_bump();

-- Statement-level, over the transition table: inserting a run's eight steps bumps it once.
CREATE FUNCTION agency_run_child_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE workflow_runs SET revision = revision
  WHERE id IN (SELECT DISTINCT run_id FROM changed_rows);
  RETURN NULL;
END $$;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['run_steps', 'assets', 'run_reviews', 'run_usage'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS changed_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION agency_run_child_changed()', t || '_revision_ins', t);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS changed_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION agency_run_child_changed()', t || '_revision_upd', t);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS changed_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION agency_run_child_changed()', t || '_revision_del', t);
  END LOOP;
END $$;
