-- An unsubscribe suppresses the emails still waiting for its address in the same transaction.
CREATE INDEX campaign_emails_to_email_pending_idx ON campaign_emails (lower(to_email))
  WHERE status IN ('scheduled', 'failed');
