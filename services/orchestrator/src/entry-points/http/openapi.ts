/**
 * The API reference: the OpenAPI 3.1 document built from openapi-operations.ts, whose bodies and
 * answers are the zod schemas of @roboagency/contracts (zod 4's JSON Schema output is draft
 * 2020-12, the dialect OpenAPI 3.1 uses), served at
 * GET /v1/openapi.json, and rendered at GET /v1/docs by Swagger UI from npm (swagger-ui-dist),
 * served from this API under a CSP that allows only itself.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Router } from "express";
import { z } from "zod";
import type { Deps } from "../../business-logic/deps.ts";
import { notFound } from "../../business-logic/errors.ts";
import { listSectors } from "@roboagency/agents/light";
import { OPERATIONS, type Auth, type Operation } from "./openapi-operations.ts";

const SECURITY: Record<Auth, Array<Record<string, string[]>>> = {
  public: [],
  operator: [{ operatorToken: [] }],
  portal: [{ portalToken: [] }, { operatorToken: [] }],
  signed: [{ signature: [], signatureTimestamp: [] }],
};

/** The security of an operation, read back: the test compares it with what the router enforces. */
export function authOf(security: Array<Record<string, string[]>> | undefined): Auth {
  const names = (security ?? [])
    .flatMap((r) => Object.keys(r))
    .sort()
    .join(",");
  const found = (Object.keys(SECURITY) as Auth[]).find(
    (a) =>
      SECURITY[a]
        .flatMap((r) => Object.keys(r))
        .sort()
        .join(",") === names,
  );
  if (!found) throw new Error(`unknown security ${names}`);
  return found;
}

const REF = "#/components/schemas/";

function schemaOf(schema: z.core.$ZodType): Record<string, unknown> {
  const id = z.globalRegistry.get(schema)?.id;
  if (id) return { $ref: `${REF}${id}` };
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io: "input",
    unrepresentable: "any",
  }) as Record<string, unknown>;
  return rest;
}

function content(body: Partial<Operation["responses"][number]> & { schema?: z.core.$ZodType }) {
  if (!body.schema) return undefined;
  return {
    [body.contentType ?? "application/json"]: {
      schema: schemaOf(body.schema),
      ...(body.example !== undefined ? { example: body.example } : {}),
    },
  };
}

/**
 * What the JSON Schema of an input cannot say by itself: the intake's email is checked after
 * trimming (a pipe, whose input side is a plain string) and its sector by a refinement.
 */
function documentedExtras(id: string, schema: Record<string, unknown>): Record<string, unknown> {
  if (id !== "IntakeRequest") return schema;
  const properties = schema.properties as Record<string, Record<string, unknown>>;
  return {
    ...schema,
    properties: {
      ...properties,
      email: { ...properties.email, format: "email" },
      sector: {
        ...properties.sector,
        enum: listSectors().map((x) => x.id),
        description: "See GET /v1/sectors.",
      },
    },
  };
}

/** Every schema with an id, as components; refs between them point into components. */
function components(): Record<string, unknown> {
  const { schemas } = z.toJSONSchema(z.globalRegistry, {
    target: "draft-2020-12",
    io: "input",
    unrepresentable: "any",
    uri: (id) => `${REF}${id}`,
  }) as { schemas: Record<string, Record<string, unknown>> };
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _dialect, $id: _id, ...schema }]) => [
      id,
      documentedExtras(id, schema),
    ]),
  );
}

export function openApiDocument(serverUrl: string, version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const pathParams = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    const parameters = [
      ...pathParams.map((name) => ({ name, in: "path", required: true, schema: { type: "string" } })),
      ...Object.entries(op.query ?? {}).map(([name, q]) => ({
        name,
        in: "query",
        required: q.required ?? false,
        description: q.description,
        schema: schemaOf(q.schema),
      })),
      ...Object.entries(op.headers ?? {}).map(([name, h]) => ({
        name,
        in: "header",
        description: h.description,
        schema: schemaOf(h.schema),
      })),
    ];
    (paths[op.path] ??= {})[op.method] = {
      operationId: `${op.method}${op.path.replace(/[{}]/g, "").replace(/(^|[/.-])(\w)/g, (_, _s, c: string) => c.toUpperCase())}`,
      tags: [op.tag],
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      security: SECURITY[op.auth],
      ...(parameters.length ? { parameters } : {}),
      ...(op.body ? { requestBody: { required: true, content: content(op.body) } } : {}),
      responses: Object.fromEntries(
        Object.entries(op.responses).map(([status, r]) => [
          status,
          { description: r.description, ...(r.schema ? { content: content(r) } : {}) },
        ]),
      ),
    };
  }
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: {
      title: "RoboAgency API",
      version,
      description:
        "The agency's API: the public intake and run status, the operators' endpoints, the portal's, and signed webhooks. Bad input is a 4xx whose body names each bad field.",
    },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      schemas: components(),
      securitySchemes: {
        operatorToken: { type: "http", scheme: "bearer", description: "AGENCY_ADMIN_TOKEN." },
        portalToken: {
          type: "http",
          scheme: "bearer",
          description:
            "AGENCY_PORTAL_TOKEN: the portal's server; portal routes only, naming the client (?email=).",
        },
        signature: {
          type: "apiKey",
          in: "header",
          name: "X-Agency-Signature",
          description:
            "sha256=<hex HMAC-SHA256 of `<timestamp>.<raw body>` with SECRET_KEY>; each signature is accepted once.",
        },
        signatureTimestamp: {
          type: "apiKey",
          in: "header",
          name: "X-Agency-Timestamp",
          description: "Unix seconds; 5 minutes' tolerance.",
        },
      },
    },
  };
}

const require = createRequire(import.meta.url);
const SWAGGER_DIR = path.dirname(require.resolve("swagger-ui-dist/package.json"));
/** The renderer's files, served from node_modules; nothing is fetched from elsewhere. */
const ASSETS: Record<string, { file?: string; body?: string; type: string }> = {
  "swagger-ui.css": { file: "swagger-ui.css", type: "text/css; charset=utf-8" },
  "favicon-32x32.png": { file: "favicon-32x32.png", type: "image/png" },
  "swagger-ui-bundle.js": { file: "swagger-ui-bundle.js", type: "text/javascript; charset=utf-8" },
  // An inline script would need 'unsafe-inline'; the start-up code is a file of its own.
  "init.js": {
    body: `window.ui = SwaggerUIBundle({ url: "/v1/openapi.json", dom_id: "#reference", deepLinking: true, validatorUrl: null, tryItOutEnabled: false });\n`,
    type: "text/javascript; charset=utf-8",
  },
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>RoboAgency API reference</title>
<link rel="icon" type="image/png" href="/v1/docs/favicon-32x32.png">
<link rel="stylesheet" href="/v1/docs/swagger-ui.css">
</head>
<body>
<div id="reference"></div>
<script src="/v1/docs/swagger-ui-bundle.js"></script>
<script src="/v1/docs/init.js"></script>
</body>
</html>
`;

/** Only this origin: no CDN, no inline script; images may be data: URIs of the stylesheet. */
export const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

export function referenceRoutes(deps: Pick<Deps, "config">): Router {
  const router = Router();
  let document: string | undefined;
  const cache = new Map<string, Buffer>();

  router.get("/v1/openapi.json", (_req, res) => {
    document ??= JSON.stringify(openApiDocument(deps.config.publicApiUrl, deps.config.version));
    res.set({ "content-type": "application/json; charset=utf-8", "cache-control": "public, max-age=300" });
    res.send(document);
  });

  router.get("/v1/docs", (_req, res) => {
    res.set({
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": DOCS_CSP,
      "cache-control": "public, max-age=300",
    });
    res.send(PAGE);
  });

  router.get("/v1/docs/:asset", (req, res) => {
    const asset = Object.hasOwn(ASSETS, req.params.asset) ? ASSETS[req.params.asset] : undefined;
    if (!asset) throw notFound("The file");
    let body = cache.get(req.params.asset);
    if (!body) {
      body = asset.file ? readFileSync(path.join(SWAGGER_DIR, asset.file)) : Buffer.from(asset.body!);
      cache.set(req.params.asset, body);
    }
    res.set({
      "content-type": asset.type,
      "content-security-policy": DOCS_CSP,
      "cache-control": "public, max-age=3600",
    });
    res.send(body);
  });

  return router;
}
