-- A warm-up email to an address that unsubscribed is not sent; it is recorded as suppressed.
ALTER TABLE campaign_emails DROP CONSTRAINT campaign_emails_status_check;
ALTER TABLE campaign_emails ADD CONSTRAINT campaign_emails_status_check
  CHECK (status IN ('scheduled', 'sending', 'sent', 'failed', 'suppressed'));
