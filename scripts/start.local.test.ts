/**
 * `npm start` as a person runs it: every embedded default (embedded Postgres from npm, the
 * in-process queue, the local asset folder, the outbox), no DATABASE_URL or REDIS_URL. Then a
 * second start on the same data folder finds everything again.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "@roboagency/testing/ports";

const root = path.resolve(import.meta.dirname, "..");
const dataDir = mkdtempSync(path.join(tmpdir(), "agency-start-"));
// As root, embedded Postgres runs as the unprivileged postgres user, who must reach the folder.
chmodSync(dataDir, 0o755);
let child: ChildProcess | undefined;

interface Started {
  child: ChildProcess;
  output: () => string;
  api: string;
  portal: string;
}

async function start(apiPort: number, pgPort: number, portalPort: number): Promise<Started> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AGENCY_DATA_DIR: dataDir,
    API_PORT: String(apiPort),
    PORTAL_PORT: String(portalPort),
    PUBLIC_PORTAL_URL: `http://localhost:${portalPort}`,
    AGENCY_PG_PORT: String(pgPort),
    CAMPAIGN_DELAYS: "0,1,2",
    LOG_LEVEL: "warn",
  };
  for (const name of [
    "DATABASE_URL",
    "REDIS_URL",
    "AGENCY_ADMIN_TOKEN",
    "SECRET_KEY",
    "RESEND_API_KEY",
    "S3_BUCKET",
    "AGENCY_REVIEW_GATES",
  ]) {
    delete env[name];
  }
  child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], { cwd: root, env, stdio: "pipe" });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const started = child;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not come up:\n${output}`)), 90_000);
    started.once("exit", (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
    const poll = setInterval(() => {
      if (output.includes("RoboAgency is running.")) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve();
      }
    }, 50);
  });
  return {
    child: started,
    output: () => output,
    api: `http://localhost:${apiPort}`,
    portal: `http://localhost:${portalPort}`,
  };
}

async function stop(started: Started): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => started.child.once("exit", (code) => resolve(code)));
  started.child.kill("SIGTERM");
  const code = await exited;
  child = undefined;
  return code;
}

async function until<T>(check: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 200));
  }
}

afterAll(async () => {
  child?.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

describe("npm start (embedded defaults)", () => {
  it("when started twice on one data folder, then the second start finds the first one's run, artifacts and emails", async () => {
    const [apiPort, pgPort, portalPort] = [await freePort(), await freePort(), await freePort()];
    const first = await start(apiPort, pgPort, portalPort);
    const home = await fetch(first.portal);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("<form");
    expect(first.output()).toMatch(/Operator token \(new, kept in .*admin-token\): \S{16,}/);
    expect(first.output()).toContain("embedded Postgres");
    const token = /Operator token \(new, kept in .*\): (\S+)/.exec(first.output())![1]!;

    const res = await fetch(`${first.api}/v1/intake`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        email: "local@example.com",
        sector: "saas",
        idea: "A shared inbox for small landlords that turns tenant emails into maintenance tickets.",
      }),
    });
    expect(res.status).toBe(202);
    const { run_id: runId, project_id: projectId } = (await res.json()) as {
      run_id: string;
      project_id: string;
    };
    const auth = { authorization: `Bearer ${token}` };
    // The default review gates stop the run after the PRD and before the campaign: approve both.
    const gates: string[] = [];
    await until(async () => {
      const run = (await (await fetch(`${first.api}/v1/runs/${runId}`)).json()) as {
        status: string;
        review?: { gate: string };
      };
      if (run.status === "failed") throw new Error("run failed");
      if (run.status === "awaiting_review" && run.review && !gates.includes(run.review.gate)) {
        gates.push(run.review.gate);
        const approved = await fetch(`${first.api}/v1/runs/${runId}/review`, {
          method: "POST",
          headers: { ...auth, "content-type": "application/json" },
          body: JSON.stringify({ decision: "approve" }),
        });
        expect(approved.status).toBeLessThan(300);
      }
      return run.status === "completed" ? run : undefined;
    });
    expect(gates).toEqual(["prd_review", "campaign_review"]);
    await until(async () => {
      const { emails } = (await (
        await fetch(`${first.api}/v1/projects/${projectId}/emails`, { headers: auth })
      ).json()) as {
        emails: Array<{ status: string }>;
      };
      return emails.length === 3 && emails.every((e) => e.status === "sent") ? emails : undefined;
    });
    expect(await stop(first)).toBe(0);

    const second = await start(apiPort, pgPort, portalPort);
    expect(second.output()).not.toContain("Operator token (new");
    // The token came from the data folder, not from AGENCY_ADMIN_TOKEN: the banner says so.
    expect(second.output()).not.toContain("the AGENCY_ADMIN_TOKEN you set");
    expect(second.output()).toMatch(/Operator token \(made by an earlier start, kept in .*admin-token\)/);
    const run = (await (await fetch(`${second.api}/v1/runs/${runId}`)).json()) as {
      status: string;
      artifacts: Array<{ id: string }>;
    };
    expect(run.status).toBe("completed");
    const link = (await (await fetch(`${second.api}/v1/assets/${run.artifacts[0]!.id}`)).json()) as {
      url: string;
    };
    expect((await fetch(link.url)).status).toBe(200);
    const outbox = (await (
      await fetch(`${second.api}/v1/outbox?to=local@example.com`, { headers: auth })
    ).json()) as {
      messages: unknown[];
    };
    expect(outbox.messages).toHaveLength(3);
    expect(await stop(second)).toBe(0);
  }, 240_000);
});
