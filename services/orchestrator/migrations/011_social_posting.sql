-- Real posting adapters (X, LinkedIn, YouTube, Instagram): what makes a post go out once.
--
-- A dispatcher claims a post (status 'posting', a fresh claim_token) and sets in_flight_since just
-- before it calls the platform; it clears it once it knows the outcome. A post found claimed again
-- with in_flight_since still set may have been accepted by the platform before a crash: the adapter
-- looks for it there, and when it cannot tell, the post waits for an operator ('needs_operator').

ALTER TABLE social_posts DROP CONSTRAINT social_posts_status_check;
ALTER TABLE social_posts ADD CONSTRAINT social_posts_status_check
  CHECK (status IN ('scheduled', 'posting', 'posted', 'failed', 'needs_operator'));
ALTER TABLE social_posts
  ADD COLUMN claim_token     uuid,
  ADD COLUMN in_flight_since timestamptz,
  -- Ids the platform handed out half-way (Instagram's media container), so a resume finishes the job.
  ADD COLUMN platform_state  jsonb NOT NULL DEFAULT '{}';

-- What a piece can show besides text: YouTube uploads a video, Instagram needs a public image or video.
-- project_id names the project whose explainer MP4 goes with the piece.
ALTER TABLE content_pieces
  ADD COLUMN video_url  text,
  ADD COLUMN image_url  text,
  ADD COLUMN project_id uuid REFERENCES projects (id) ON DELETE SET NULL;

-- Tokens a platform rotates (Instagram's long-lived token), sealed with AES-256-GCM under a key
-- derived from SECRET_KEY, so a restart keeps the newest one.
CREATE TABLE platform_tokens (
  platform    text PRIMARY KEY,
  sealed      text NOT NULL,
  expires_at  timestamptz,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
