/**
 * The API reference against the API itself: a real agency (real Postgres, in-process queue, no
 * worker) answers every documented operation over real HTTP, the Express router's routes are
 * walked and compared with the document, the document is validated as OpenAPI 3.1
 * (@apidevtools/swagger-parser) and live answers against its JSON Schemas (ajv), and the reference
 * page is opened in a real Chromium under its CSP. Nothing is faked.
 */
import SwaggerParser from "@apidevtools/swagger-parser";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { launchChromium } from "@roboagency/testing/browser";
import { RunEvents } from "../../business-logic/run-events.ts";
import { startTestAgency, type TestAgency } from "@roboagency/testing/agency";
import { createApp } from "./app.ts";
import { OPERATIONS, type Auth } from "./openapi-operations.ts";
import { DOCS_CSP, authOf } from "./openapi.ts";
import { intakeAccepted, intakeSchema, runView } from "@roboagency/contracts";
import { listSectors } from "@roboagency/agents";

interface Doc {
  openapi: string;
  servers: Array<{ url: string }>;
  paths: Record<
    string,
    Record<
      string,
      {
        security?: Array<Record<string, string[]>>;
        parameters?: Array<{ name: string; in: string }>;
        requestBody?: { content: Record<string, { example?: unknown }> };
        responses: Record<string, { content?: Record<string, { example?: unknown }> }>;
      }
    >
  >;
}

let agency: TestAgency;
let doc: Doc;

beforeAll(async () => {
  agency = await startTestAgency({}, { worker: false, queue: "memory" });
  const res = await agency.api("/v1/openapi.json");
  expect(res.status).toBe(200);
  doc = await res.json();
});
afterAll(async () => {
  await agency?.stop();
});

/** Every route of an Express app, with Express's path syntax turned into OpenAPI's. */
function routesOf(app: ReturnType<typeof createApp>): string[] {
  type Layer = {
    route?: { path: string; methods: Record<string, boolean> };
    handle?: { stack?: Layer[] };
  };
  const out: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) {
          out.push(`${method} ${layer.route.path.replace(/[:*](\w+)/g, "{$1}")}`);
        }
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out.sort();
}

const SAMPLE_PARAMS: Record<string, string> = {
  step: "demo",
  event: "test.event",
  key: "docs/p/r/prd.md",
  name: "prd.md",
  asset: "init.js",
};

/** A request for an operation built from the document: its path, method, example body. */
function requestFor(path: string, method: string, headers: Record<string, string> = {}) {
  const op = doc.paths[path]![method]!;
  const url = new URL(
    path.replace(/\{(\w+)\}/g, (_, name: string) => SAMPLE_PARAMS[name] ?? crypto.randomUUID()),
    agency.url,
  );
  const body = op.requestBody?.content["application/json"];
  if (
    authOf(op.security) === "portal" &&
    op.parameters?.some((p) => p.in === "query" && p.name === "email")
  ) {
    url.searchParams.set("email", "nobody@example.com");
  }
  return fetch(url, {
    method: method.toUpperCase(),
    headers: { ...(body ? { "content-type": "application/json" } : {}), ...headers },
    body: body ? JSON.stringify(body.example ?? {}) : undefined,
  });
}

const intakeRequest = intakeSchema(listSectors().map((s) => s.id));

const errorOf = async (res: Response) =>
  (res.headers.get("content-type") ?? "").includes("json")
    ? ((await res.json()) as { error?: string }).error
    : undefined;

describe("GET /v1/openapi.json", () => {
  it("when the router is walked, then every route it serves is documented and every documented route is served", () => {
    const app = createApp(
      agency.agency,
      new RunEvents(agency.agency.databaseUrl, agency.agency.pool, agency.agency.logger),
    );
    const documented = Object.entries(doc.paths)
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`))
      .sort();
    expect(doc.openapi).toBe("3.1.0");
    expect(routesOf(app)).toEqual(documented);
  });

  it("when the document is validated, then it is valid OpenAPI 3.1 whose refs all resolve", async () => {
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
    // The validator can fail: a reference to a schema that is not there is refused.
    const broken = structuredClone(doc) as unknown as { components: { schemas: Record<string, unknown> } };
    delete broken.components.schemas.IntakeAccepted;
    await expect(SwaggerParser.validate(broken as never)).rejects.toThrow(/IntakeAccepted/);
  });

  it("when each operation is called, then the router enforces exactly the auth the document gives it", async () => {
    const seen: Record<Auth, number> = { public: 0, operator: 0, portal: 0, signed: 0 };
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const auth = authOf(op.security);
        seen[auth]++;
        const where = `${method.toUpperCase()} ${path} (${auth})`;
        const anonymous = await requestFor(path, method);
        const anonymousError = await errorOf(anonymous);
        if (auth === "public") {
          expect(anonymousError, where).not.toBe("unauthorized");
          expect(anonymous.status, where).not.toBe(401);
          continue;
        }
        if (auth === "signed") {
          expect([anonymous.status, anonymousError], where).toEqual([401, "invalid_signature"]);
          continue;
        }
        expect([anonymous.status, anonymousError], where).toEqual([401, "unauthorized"]);
        const asPortal = await requestFor(path, method, { authorization: `Bearer ${agency.portalToken}` });
        const portalError = await errorOf(asPortal);
        if (auth === "operator") expect([asPortal.status, portalError], where).toEqual([401, "unauthorized"]);
        else expect(portalError, where).not.toBe("unauthorized");
      }
    }
    expect(Object.values(seen).every((n) => n > 0)).toBe(true);
  });

  it("when the documented examples are checked, then each validates against its operation's schema", () => {
    let checked = 0;
    for (const op of OPERATIONS) {
      const documented = doc.paths[op.path]![op.method]!;
      const bodies: Array<[string, z.core.$ZodType | undefined, unknown]> = [];
      if (op.body?.example !== undefined) {
        bodies.push([
          "request",
          op.body.schema,
          documented.requestBody?.content[op.body.contentType ?? "application/json"]?.example,
        ]);
      }
      for (const [status, r] of Object.entries(op.responses)) {
        if (r.example !== undefined) {
          bodies.push([
            status,
            r.schema,
            documented.responses[status]?.content?.[r.contentType ?? "application/json"]?.example,
          ]);
        }
      }
      for (const [which, schema, example] of bodies) {
        const parsed = z.safeParse(schema!, example);
        expect(
          parsed.success,
          `${op.method} ${op.path} ${which}: ${JSON.stringify(parsed.error?.issues)}`,
        ).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(8);
    // The check can fail: an example the intake would refuse does not validate.
    const intake = doc.paths["/v1/intake"]!.post!.requestBody!.content["application/json"]!.example as object;
    expect(intakeRequest.safeParse({ ...intake, sector: "not-a-sector" }).success).toBe(false);
    expect(intakeRequest.safeParse({ ...intake, colour: "blue" }).success).toBe(false);
  });

  it("when a request is built from the document, then the real agency accepts it and answers the documented shape", async () => {
    expect(doc.servers[0]!.url).toBe(agency.agency.config.publicApiUrl);
    const intake = await requestFor("/v1/intake", "post");
    expect(intake.status).toBe(202);
    expect(Object.keys(doc.paths["/v1/intake"]!.post!.responses)).toContain("202");
    const acceptedBody: unknown = await intake.json();
    const accepted = intakeAccepted.parse(acceptedBody);
    // And by the document's own JSON Schema, as a client generated from it would read it.
    const resolved = (await SwaggerParser.dereference(structuredClone(doc) as never)) as unknown as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content: Record<string, { schema: object }> }> }>
      >;
    };
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const documentedSchema = (path: string, method: string, status: string) =>
      ajv.compile(resolved.paths[path]![method]!.responses[status]!.content["application/json"]!.schema);
    const acceptedValid = documentedSchema("/v1/intake", "post", "202");
    expect(acceptedValid(acceptedBody), JSON.stringify(acceptedValid.errors)).toBe(true);
    expect(acceptedValid({ ...accepted, status: "running" })).toBe(false);

    const run = await fetch(new URL(`/v1/runs/${accepted.run_id}`, agency.url));
    expect(run.status).toBe(200);
    const runBody: unknown = await run.json();
    const runValid = documentedSchema("/v1/runs/{runId}", "get", "200");
    expect(runValid(runBody), JSON.stringify(runValid.errors)).toBe(true);
    const parsed = runView.safeParse(runBody);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(parsed.data?.steps).toHaveLength(8);

    const health = await requestFor("/health", "get");
    const healthValid = documentedSchema("/health", "get", String(health.status));
    expect(healthValid(await health.json()), JSON.stringify(healthValid.errors)).toBe(true);

    const leads = await requestFor("/v1/leads", "get", { authorization: `Bearer ${agency.adminToken}` });
    expect(leads.status).toBe(200);
    const { leads: listed } = (await leads.json()) as { leads: unknown[] };
    expect(listed.length).toBeGreaterThan(0);
  });
});

describe("GET /v1/docs", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("when the page is served, then its CSP allows only this origin and its files come from the API", async () => {
    const res = await agency.api("/v1/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toBe(DOCS_CSP);
    expect(DOCS_CSP).not.toMatch(/https?:|unsafe/);
    const html = await res.text();
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) {
      expect(src.startsWith("/v1/docs/"), src).toBe(true);
      expect((await agency.api(src)).status, src).toBe(200);
    }
    expect((await agency.api("/v1/docs/package.json")).status).toBe(404);
  });

  it("when the page is opened in Chromium, then every operation is shown and nothing breaks the CSP", async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("response", (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
    });
    page.on("request", (r) => {
      if (new URL(r.url()).origin !== new URL(agency.url).origin && !r.url().startsWith("data:")) {
        problems.push(`request to ${r.url()}`);
      }
    });
    await page.goto(`${agency.url}/v1/docs`);
    await page.waitForSelector(".opblock", { timeout: 20_000 });
    const shown = await page.locator(".opblock").count();
    await page.close();
    expect(shown).toBe(OPERATIONS.length);
    expect(problems).toEqual([]);
  });
});
