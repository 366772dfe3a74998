-- Content distribution: a published piece, its per-platform posts on a schedule, what the dry-run
-- adapter would have posted, and the newsletter's deliveries. Plus unsubscribes on leads.

-- Set once a lead asks for no more email; every lead row with the same address counts as one person.
ALTER TABLE leads ADD COLUMN unsubscribed_at timestamptz;

CREATE TABLE content_pieces (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- 'mdx' (a file in the site's repository) or 'wagtail' (a page of the CMS).
  source        text NOT NULL CHECK (source IN ('mdx', 'wagtail')),
  -- The slug (MDX) or the page id (Wagtail): a second publish of the same piece is the same row.
  external_id   text NOT NULL,
  title         text NOT NULL,
  url           text NOT NULL,
  body_text     text NOT NULL,
  summary       text NOT NULL,
  keywords      text[] NOT NULL,
  published_at  timestamptz NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source, external_id)
);

CREATE TABLE social_posts (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  content_id    uuid NOT NULL REFERENCES content_pieces (id) ON DELETE CASCADE,
  platform      text NOT NULL CHECK (platform IN ('x', 'instagram', 'youtube', 'linkedin')),
  -- YouTube's video title; null elsewhere.
  title         text,
  text_body     text NOT NULL,
  hashtags      text[] NOT NULL,
  link          text,
  scheduled_at  timestamptz NOT NULL,
  status        text NOT NULL DEFAULT 'scheduled'
                CHECK (status IN ('scheduled', 'posting', 'posted', 'failed')),
  adapter       text,
  external_id   text,
  attempts      integer NOT NULL DEFAULT 0,
  error         text,
  posted_at     timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (content_id, platform)
);
CREATE INDEX social_posts_due_idx ON social_posts (scheduled_at) WHERE status IN ('scheduled', 'posting');

-- The default posting adapter: what would have been posted, one row per post.
CREATE TABLE dry_run_posts (
  post_id      uuid PRIMARY KEY REFERENCES social_posts (id) ON DELETE CASCADE,
  platform     text NOT NULL,
  payload      jsonb NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per piece and recipient address, so a repeated newsletter send mails nobody twice.
CREATE TABLE newsletter_deliveries (
  content_id       uuid NOT NULL REFERENCES content_pieces (id) ON DELETE CASCADE,
  email            text NOT NULL,
  lead_id          uuid NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  idempotency_key  text NOT NULL UNIQUE,
  provider         text,
  message_id       text,
  error            text,
  sent_at          timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (content_id, email)
);
