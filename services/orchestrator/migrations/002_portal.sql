-- The client portal's sign-in links. Only a hash of each token is kept, so a database leak
-- cannot sign anyone in; each row is also a request counted by the per-email rate limit.
-- Portal sessions themselves are not stored: the portal signs its session cookies with a key
-- derived from SECRET_KEY (see services/frontend/src/lib/server/session.ts).

CREATE TABLE portal_magic_links (
  token_hash  text PRIMARY KEY,
  email       text NOT NULL,
  -- A path under /portal to open after sign-in.
  redirect    text NOT NULL DEFAULT '/portal',
  -- False when no lead has this address: the request is counted but no email leaves.
  delivered   boolean NOT NULL,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX portal_magic_links_email_idx ON portal_magic_links (lower(email), created_at DESC);
