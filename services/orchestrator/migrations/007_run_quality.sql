-- indication_okrs' quality report (gates per artifact, rubric scores), shown in the run's status.
ALTER TABLE workflow_runs ADD COLUMN quality jsonb;
