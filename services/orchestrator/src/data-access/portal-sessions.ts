/**
 * The client portal's sign-in links (only their token's hash is kept) and the reads of a client's
 * own projects by the lead's email.
 */
import type { Queryable } from "./database.ts";

/** Whether any lead has this address (case-insensitive). */
export async function isKnownLead(db: Queryable, email: string): Promise<boolean> {
  const known = await db.query("SELECT 1 FROM leads WHERE lower(email) = lower($1) LIMIT 1", [email]);
  return known.rowCount === 1;
}

/** Stores a sign-in link valid for `ttlSeconds`; answers when it expires. */
export async function insertMagicLink(
  db: Queryable,
  link: { tokenHash: string; email: string; redirect: string; delivered: boolean; ttlSeconds: number },
): Promise<Date> {
  const { rows } = await db.query<{ expires_at: Date }>(
    `INSERT INTO portal_magic_links (token_hash, email, redirect, delivered, expires_at)
     VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5)) RETURNING expires_at`,
    [link.tokenHash, link.email, link.redirect, link.delivered, link.ttlSeconds],
  );
  return rows[0]!.expires_at;
}

/** Uses up a delivered, unexpired, unused link; null when there is none with this hash. */
export async function useMagicLink(
  db: Queryable,
  tokenHash: string,
): Promise<{ email: string; redirect: string } | null> {
  const { rows } = await db.query<{ email: string; redirect: string }>(
    `UPDATE portal_magic_links SET used_at = now()
       WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() AND delivered
       RETURNING email, redirect`,
    [tokenHash],
  );
  return rows[0] ?? null;
}

export async function listClientProjects(pool: Queryable, email: string) {
  const { rows } = await pool.query(
    `SELECT p.id, p.sector, p.idea, p.created_at,
            CASE WHEN r.id IS NULL THEN NULL ELSE json_build_object(
              'id', r.id, 'status', r.status, 'created_at', r.created_at, 'finished_at', r.finished_at) END AS latest_run
     FROM projects p JOIN leads l ON l.id = p.lead_id
     LEFT JOIN LATERAL (SELECT id, status, created_at, finished_at FROM workflow_runs
                        WHERE project_id = p.id ORDER BY created_at DESC LIMIT 1) r ON true
     WHERE lower(l.email) = lower($1)
     ORDER BY p.created_at DESC LIMIT 200`,
    [email],
  );
  return rows;
}
