/**
 * The Supabase project, reached through @supabase/supabase-js with the service key: its Storage
 * holds the artifacts (`createSupabaseAssetStore` in assets.ts) and its Auth issues and checks the
 * portal's sign-in links (`createSupabaseSignIn`). The database is not reached through here: it
 * stays a connection string (DATABASE_URL), see docs/operations.md.
 */
import { createClient, type SupabaseClient, type SupabaseClientOptions } from "@supabase/supabase-js";
import WebSocket from "ws";
import type { PortalSignIn } from "../business-logic/portal-auth.ts";

type RealtimeTransport = NonNullable<NonNullable<SupabaseClientOptions<"public">["realtime"]>["transport"]>;

export interface SupabaseOptions {
  /** The project URL, https://<ref>.supabase.co. */
  url: string;
  /** The service role key (or a secret key): it bypasses row level security, so it stays server-side. */
  serviceKey: string;
}

/**
 * A client that never holds a user session: it acts with the service key only. `verifyOtp` stores
 * the session it gets in its client and every later call of that client would act as that user,
 * so sign-in checks use a client of their own (`createSupabaseSignIn`).
 */
export function createSupabaseClient(options: SupabaseOptions): SupabaseClient {
  for (const field of ["url", "serviceKey"] as const) {
    if (!options[field]) throw new Error(`createSupabaseClient: ${field} is required`);
  }
  return createClient(options.url, options.serviceKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    // Realtime is not used, but the client builds its socket factory up front and Node 20 has no
    // WebSocket of its own.
    realtime: { transport: WebSocket as unknown as RealtimeTransport },
  });
}

/**
 * The portal's sign-in links through Supabase Auth. `issue` asks Auth for a magic link of the
 * address without letting Supabase send it (`auth.admin.generateLink`), so the agency's own email
 * and rate limits stay; the link carries Supabase's hashed token. `verify` exchanges that token for
 * a Supabase session (`auth.verifyOtp` with `token_hash`), checks that it is this address's, and
 * revokes the session again: the portal keeps its own session cookie for the address.
 */
export function createSupabaseSignIn(options: SupabaseOptions): PortalSignIn {
  const admin = createSupabaseClient(options);
  const where = `Supabase Auth at ${options.url}`;

  const generate = (email: string) => admin.auth.admin.generateLink({ type: "magiclink", email });

  return {
    provider: "supabase",
    async issue(email) {
      let { data, error } = await generate(email);
      if (error?.code === "user_not_found" || error?.status === 404) {
        // A client of the agency who has no Auth user yet: create one, already confirmed (the
        // address is the one the client gave the intake, and the link proves it again).
        const created = await admin.auth.admin.createUser({ email, email_confirm: true });
        if (created.error && created.error.code !== "email_exists") {
          throw new Error(`${where}: could not create the user: ${created.error.message}`);
        }
        ({ data, error } = await generate(email));
      }
      const token = data?.properties?.hashed_token;
      if (error || !token) {
        throw new Error(
          `${where}: could not generate a sign-in link: ${error?.message ?? "no hashed_token"}`,
        );
      }
      return token;
    },
    async verify(token, email) {
      const client = createSupabaseClient(options);
      const { data, error } = await client.auth.verifyOtp({ token_hash: token, type: "email" });
      if (error || !data.session || !data.user) {
        // 4xx: unknown, used or expired (Auth's own single-use check). Auth's rate limit (429) and
        // anything else are Auth failing, which must not use up the link.
        const status = error?.status;
        if (typeof status === "number" && status >= 400 && status < 500 && status !== 429) return false;
        throw new Error(`${where}: could not verify a sign-in link: ${error?.message ?? "no session"}`);
      }
      await admin.auth.admin.signOut(data.session.access_token, "local").catch(() => undefined);
      return (data.user.email ?? "").toLowerCase() === email.toLowerCase();
    },
  };
}
