/**
 * The bench's process supervisor: every process the bench starts runs in a process group of its
 * own, and all of them are stopped when the bench ends, fails or is interrupted (Ctrl-C, SIGTERM):
 * SIGTERM to each group, SIGKILL to what is left after a grace period, and SIGKILL at exit for
 * anything still running, so no target keeps listening after the bench.
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";

export interface Supervised {
  name: string;
  child: ChildProcess;
  pid: number;
  exited: Promise<number | null>;
}

/** Resident memory of a process in MiB (Linux /proc), or undefined when it is gone. */
export function rssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** The process group of a /proc/<pid>/stat line (its fifth field; the name may hold spaces). */
function processGroup(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
}

/**
 * Resident memory of a process group in MiB: the process the supervisor started (a group leader)
 * and every process it started in turn, such as the esbuild service the prototyper's bundler runs
 * beside the worker. A container's memory counts them all, so the bench does too.
 */
export function groupRssMiB(pgid: number): number | undefined {
  let total = 0;
  let found = false;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // Gone meanwhile.
    }
    if (processGroup(stat) !== pgid) continue;
    const mib = rssMiB(Number(entry));
    if (mib === undefined) continue;
    total += mib;
    found = true;
  }
  return found ? total : undefined;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

export class Supervisor {
  private readonly running = new Set<Supervised>();
  private stopping?: Promise<void>;

  constructor(private readonly graceMs = 10_000) {
    // Last resort: whatever path ends this process, nothing it started survives it.
    process.on("exit", () => {
      for (const p of this.running) killGroup(p.pid, "SIGKILL");
    });
  }

  private readonly cleanups: Array<() => Promise<void>> = [];
  private shuttingDown?: Promise<void>;

  /** Runs after every process has stopped (dropping a database, removing a folder), newest first. */
  onShutdown(cleanup: () => Promise<void>): void {
    this.cleanups.unshift(cleanup);
  }

  /** Stops every process, then runs the cleanups; once, however often it is called. */
  shutdown(): Promise<void> {
    this.shuttingDown ??= (async () => {
      await this.stopAll();
      for (const cleanup of this.cleanups) await cleanup().catch((err) => console.error(err));
    })();
    return this.shuttingDown;
  }

  /** Shuts down on SIGINT/SIGTERM and on an uncaught error, then exits. */
  handleSignals(): void {
    const stopAndExit = (code: number) => {
      void this.shutdown().finally(() => process.exit(code));
    };
    process.once("SIGINT", () => {
      console.error("bench: interrupted; stopping every process it started");
      stopAndExit(130);
    });
    process.once("SIGTERM", () => stopAndExit(143));
    process.on("uncaughtException", (err) => {
      console.error(err);
      stopAndExit(1);
    });
    process.on("unhandledRejection", (err) => {
      console.error(err);
      stopAndExit(1);
    });
  }

  start(name: string, command: string, args: string[], options: SpawnOptions = {}): Supervised {
    if (this.stopping) throw new Error("the supervisor is stopping");
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"], ...options, detached: true });
    if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
    const supervised: Supervised = {
      name,
      child,
      pid: child.pid,
      exited: new Promise((resolve) => child.once("exit", (code) => resolve(code))),
    };
    this.running.add(supervised);
    void supervised.exited.then(() => this.running.delete(supervised));
    console.error(`bench: started ${name} pid ${child.pid}`);
    return supervised;
  }

  /** The first stdout line that is JSON, parsed; the process must print it when it is ready. */
  async ready<T>(p: Supervised): Promise<T> {
    const lines = createInterface({ input: p.child.stdout! });
    for await (const line of lines) {
      if (line.startsWith("{")) {
        // Later output is not needed; keep draining it so the child never blocks on a full pipe.
        p.child.stdout!.resume();
        return JSON.parse(line) as T;
      }
    }
    throw new Error(`${p.name} exited before it was ready`);
  }

  /** SIGTERM to the process group, SIGKILL after the grace period. */
  async stop(p: Supervised): Promise<void> {
    if (p.child.exitCode !== null || p.child.signalCode !== null) {
      killGroup(p.pid, "SIGKILL");
      return;
    }
    killGroup(p.pid, "SIGTERM");
    const timer = setTimeout(() => killGroup(p.pid, "SIGKILL"), this.graceMs);
    await p.exited;
    clearTimeout(timer);
    // Grandchildren (an embedded Postgres) share the group.
    killGroup(p.pid, "SIGKILL");
    this.running.delete(p);
  }

  stopAll(): Promise<void> {
    this.stopping ??= Promise.all([...this.running].map((p) => this.stop(p))).then(() => undefined);
    return this.stopping;
  }
}
