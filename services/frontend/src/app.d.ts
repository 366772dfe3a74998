// See https://svelte.dev/docs/kit/types#app.d.ts
import type { Session } from "$lib/server/session.ts";

declare global {
  namespace App {
    interface Error {
      message: string;
    }
    interface Locals {
      /** The signed-in client, from the portal session cookie. */
      client: Session | null;
      /** The signed-in operator, from the ops session cookie. */
      operator: Session | null;
    }
  }
}

export {};
