/**
 * A FAKE Qdrant on loopback, for tests only (no Qdrant on this machine): the few REST endpoints
 * @qdrant/js-client-rest calls for collections, upsert, search and count, with real cosine search
 * and payload match filters, so the adapter runs the real client against it.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

interface Point {
  id: string | number;
  vector: number[];
  payload: Record<string, unknown>;
}

export interface FakeQdrant {
  url: string;
  collections: Map<string, { size: number; points: Map<string | number, Point> }>;
  requests: string[];
  stop(): Promise<void>;
}

const cosine = (a: number[], b: number[]) => {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return d / (Math.sqrt(na * nb) || 1);
};

export async function startFakeQdrant(): Promise<FakeQdrant> {
  const collections: FakeQdrant["collections"] = new Map();
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = chunks.length
        ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>)
        : {};
      const url = new URL(req.url ?? "/", "http://x");
      requests.push(`${req.method} ${url.pathname}`);
      const ok = (result: unknown) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ result, status: "ok", time: 0.0001 }));
      };
      const fail = (status: number, error: string) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify({ status: { error }, time: 0 }));
      };
      const m = url.pathname.match(/^\/collections\/([^/]+)(\/.*)?$/);
      if (!m) return fail(404, "not found");
      const name = decodeURIComponent(m[1]!);
      const rest = m[2] ?? "";
      const col = collections.get(name);
      if (req.method === "GET" && rest === "/exists") return ok({ exists: Boolean(col) });
      if (req.method === "PUT" && rest === "") {
        const vectors = body["vectors"] as { size: number };
        collections.set(name, { size: vectors.size, points: new Map() });
        return ok(true);
      }
      if (!col) return fail(404, `Collection ${name} not found`);
      if (req.method === "GET" && rest === "")
        return ok({
          status: "green",
          points_count: col.points.size,
          config: { params: { vectors: { size: col.size, distance: "Cosine" } } },
        });
      if (req.method === "PUT" && rest === "/points") {
        for (const p of body["points"] as Point[]) {
          if (p.vector.length !== col.size) return fail(400, `wrong vector size ${p.vector.length}`);
          col.points.set(p.id, p);
        }
        return ok({ operation_id: 1, status: "completed" });
      }
      if (req.method === "POST" && rest === "/points/search") {
        const vector = body["vector"] as number[];
        const must = (body["filter"] as { must?: { key: string; match: { value: unknown } }[] })?.must ?? [];
        const hits = [...col.points.values()]
          .filter((p) => must.every((c) => p.payload[c.key] === c.match.value))
          .map((p) => ({ id: p.id, version: 1, score: cosine(vector, p.vector), payload: p.payload }))
          .sort((a, b) => b.score - a.score)
          .slice(0, Number(body["limit"] ?? 10));
        return ok(hits);
      }
      if (req.method === "POST" && rest === "/points/count") return ok({ count: col.points.size });
      return fail(404, `unsupported ${req.method} ${url.pathname}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    collections,
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
