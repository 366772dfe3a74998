/**
 * The API's drain on a real node http server on loopback: Caddy's health check fails at once,
 * every other request is still served but told to close, and only after the grace does the
 * server stop accepting.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { HEALTH_CHECK_HEADER, drainable } from "./drain.ts";

function get(port: number, headers: Record<string, string> = {}, agent?: http.Agent) {
  return new Promise<{ status: number; connection?: string }>((resolve, reject) =>
    http
      .get({ host: "127.0.0.1", port, path: "/v1/sectors", headers, agent }, (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode!, connection: res.headers.connection }));
      })
      .on("error", reject),
  );
}

describe("drainable", () => {
  it("when the drain starts, then Caddy's check gets 503, requests are served with Connection: close, and the listener closes after the grace", async () => {
    const server = http.createServer((_req, res) => res.end("ok"));
    const { drain } = drainable(server, { idleGraceMs: 400, forceAfterMs: 200 });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const agent = new http.Agent({ keepAlive: true });
    expect(await get(port, { [HEALTH_CHECK_HEADER]: "1" }, agent)).toMatchObject({ status: 200 });
    const keptAlive = await get(port, {}, agent);
    expect(keptAlive.connection).toBe("keep-alive");

    const started = Date.now();
    const drained = drain();
    expect(await get(port, { [HEALTH_CHECK_HEADER]: "1" })).toEqual({ status: 503, connection: "close" });
    // On the kept-alive connection too: it is answered, and told to close.
    expect(await get(port, {}, agent)).toEqual({ status: 200, connection: "close" });
    await drained;
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    await expect(get(port)).rejects.toThrow(/ECONNREFUSED/);
    agent.destroy();
  });
});
