/**
 * Serves the built portal (adapter-node's handler in a node http server), building it first when
 * `build/` is missing or older than the sources. `npm start` and the browser tests call this.
 *
 * The app reads its settings from the environment when it loads, so one process serves one
 * portal: a second start with other settings is refused rather than silently sharing the first.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { lastLine, reportProgress } from "../../scripts/progress.ts";
import { drainable } from "./drain.js";

export const FRONTEND_DIR = import.meta.dirname;
export const BUILD_DIR = path.join(FRONTEND_DIR, "build");
const SOURCES = ["src", "static", "svelte.config.js", "vite.config.ts", "package.json"];

export interface PortalOptions {
  /** Port to listen on; 0 picks a free one. Defaults to PORT or 3000. */
  port?: number;
  /** Defaults to HOST or 127.0.0.1. */
  host?: string;
  /** The orchestrator API the portal's server talks to, e.g. http://127.0.0.1:5001. */
  apiUrl: string;
  /** The operator token, for the ops console only; stays in this process, never in a page. */
  adminToken: string;
  /**
   * The portal's own API token (AGENCY_PORTAL_TOKEN), for everything done on a visitor's or a
   * client's behalf; it reaches the portal's API routes and no operator endpoint.
   */
  portalToken: string;
  /** Signs the portal's session cookies and file links. */
  secretKey: string;
  /** During a rotation, the key before `secretKey`: what it signed still opens. */
  secretKeyPrevious?: string;
  /**
   * The public origin behind a proxy (https://agency.example.com): form posts from any other
   * origin are refused. Defaults to PUBLIC_PORTAL_URL; without either, the origin is the one the
   * browser used to reach this server (http://localhost:3000 and http://127.0.0.1:3000 both work).
   */
  origin?: string;
}

export interface RunningPortal {
  url: string;
  stop(): Promise<void>;
}

function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const stat = statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

const STAMP = path.join(BUILD_DIR, ".sources-mtime");
const newestSource = () => Math.max(...SOURCES.map((s) => newestMtime(path.join(FRONTEND_DIR, s))));

/**
 * True when build/ is missing or a source changed since the build began. The stamp holds the
 * sources' newest time as the build saw them, so an edit made during a build is not missed.
 */
export function buildIsStale(): boolean {
  if (!existsSync(path.join(BUILD_DIR, "handler.js")) || !existsSync(STAMP)) return true;
  return newestSource() > Number(readFileSync(STAMP, "utf8"));
}

/** Runs `vite build` in the frontend folder; its output is shown only when it fails. */
export async function buildPortal(): Promise<void> {
  const sources = newestSource();
  const vite = path.join(FRONTEND_DIR, "node_modules/.bin/vite");
  const bin = existsSync(vite) ? vite : path.resolve(FRONTEND_DIR, "../../node_modules/.bin/vite");
  const child = spawn(bin, ["build"], { cwd: FRONTEND_DIR, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  // A first build takes about a minute: say so, and how far it is, rather than stay silent.
  const progress = reportProgress("Building the portal (vite build, first start or changed sources)", {
    detail: () => lastLine(output.slice(-2000)),
  });
  const [code] = (await once(child, "close")) as [number | null];
  if (code !== 0) {
    progress.failed();
    throw new Error(`Building the portal failed (vite build exited ${code}):\n${output.slice(-4000)}`);
  }
  progress.done();
  writeFileSync(STAMP, String(sources));
}

/**
 * Builds when stale, one builder at a time: two processes building into the same folder (two
 * test files, or a test and the benchmark) would delete each other's output.
 */
export async function ensureBuilt(): Promise<void> {
  if (!buildIsStale()) return;
  const lock = path.join(FRONTEND_DIR, ".build-lock");
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than a build can take is left over from a killed process.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 5 * 60_000)
        rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`startPortal: waited 5 minutes for another build (${lock})`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (buildIsStale()) await buildPortal();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

let loaded: { key: string } | undefined;
const LOCAL_PROTOCOL_HEADER = "x-portal-protocol";

export async function startPortal(options: PortalOptions): Promise<RunningPortal> {
  await ensureBuilt();
  const host = options.host ?? process.env.HOST ?? "127.0.0.1";
  const port = options.port ?? Number(process.env.PORT || 3000);

  const server = createServer();
  server.listen(port, host);
  await once(server, "listening");
  const address = server.address() as AddressInfo;
  const shownHost = host === "0.0.0.0" || host === "::" ? "localhost" : host;
  const url = `http://${shownHost}:${address.port}`;

  const key = JSON.stringify([
    options.apiUrl,
    options.adminToken,
    options.portalToken,
    options.secretKey,
    options.secretKeyPrevious,
  ]);
  if (loaded && loaded.key !== key) {
    server.close();
    throw new Error(
      "startPortal: this process already serves a portal with other settings; start it in its own process.",
    );
  }
  if (!loaded) {
    // The handler reads these when it is first imported (adapter-node's env and $env/dynamic/private).
    const origin = options.origin ?? process.env.PUBLIC_PORTAL_URL;
    Object.assign(process.env, {
      AGENCY_API_URL: options.apiUrl,
      AGENCY_ADMIN_TOKEN: options.adminToken,
      AGENCY_PORTAL_TOKEN: options.portalToken,
      SECRET_KEY: options.secretKey,
      ...(options.secretKeyPrevious ? { SECRET_KEY_PREVIOUS: options.secretKeyPrevious } : {}),
      ...(origin ? { ORIGIN: origin } : { PROTOCOL_HEADER: LOCAL_PROTOCOL_HEADER }),
    });
    loaded = { key };
  }
  const { handler } = (await import(pathToFileURL(path.join(BUILD_DIR, "handler.js")).href)) as {
    handler: (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;
  };
  // Nothing balances in front of this server (tests, npm start): idle connections close at once.
  const { drain } = drainable(server, { idleGraceMs: 0, forceAfterMs: 2000 });
  const direct = !(options.origin ?? process.env.PUBLIC_PORTAL_URL);
  server.on("request", (req, res) => {
    // Served directly over plain http: say so, whatever a client claims, so the origin is right.
    if (direct) req.headers[LOCAL_PROTOCOL_HEADER] = "http";
    handler(req, res, () => {
      res.statusCode = 404;
      res.end("Not found");
    });
  });

  return {
    url,
    // Live event streams never go idle; they are cut after a short grace period.
    stop: () => drain(),
  };
}
