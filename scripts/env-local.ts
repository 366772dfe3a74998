/**
 * `npm start` reads .env.local when it exists (.env.example lists every variable); what is already
 * in the environment wins over the file. Imported first by scripts/start.ts.
 */
import { existsSync } from "node:fs";

if (existsSync(".env.local")) {
  if (typeof process.loadEnvFile === "function") process.loadEnvFile(".env.local");
  else console.error("npm start: .env.local needs Node 20.12 or newer to be read; it is ignored.");
}
