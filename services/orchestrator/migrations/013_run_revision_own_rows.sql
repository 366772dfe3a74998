-- A run row this transaction already wrote carries a new revision already: inserted (the
-- intake's one statement creates the run and its eight steps together) or updated (the BEFORE
-- UPDATE trigger bumped it). Nobody can have seen it yet, so a change to its children needs no
-- second bump: the intake no longer pays an UPDATE of the run it has just inserted (a trigger
-- call, a dead row). A row written in a subtransaction keeps the subtransaction's id as xmin
-- and is bumped as before.
CREATE OR REPLACE FUNCTION agency_run_child_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE workflow_runs SET revision = revision
  WHERE id IN (SELECT DISTINCT run_id FROM changed_rows)
    AND xmin <> pg_current_xact_id()::xid;
  RETURN NULL;
END $$;
