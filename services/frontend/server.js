/**
 * The portal's production server (the image's CMD): adapter-node's handler in a node http
 * server that drains on SIGTERM (drain.js), where adapter-node's own server closes idle
 * kept-alive connections at once. The handler reads ORIGIN, ADDRESS_HEADER, XFF_DEPTH and
 * BODY_SIZE_LIMIT itself; HOST and PORT are read here.
 */
import { createServer } from "node:http";
import process from "node:process";
import { setTimeout } from "node:timers";
import { handler } from "./build/handler.js";
import { drainable } from "./drain.js";

const server = createServer((req, res) =>
  handler(req, res, () => {
    res.statusCode = 404;
    res.end("Not found");
  }),
);
// Longer than Caddy's idle timeout, so the portal never closes a connection Caddy is sending on.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
const { drain } = drainable(server);
const host = process.env.HOST || "0.0.0.0";
const port = Number(process.env.PORT || 3000);
server.listen(port, host, () => process.stdout.write(`Listening on http://${host}:${port}\n`));

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    // Under the container's 40 s stop grace, whatever still holds a connection.
    setTimeout(() => process.exit(1), 30_000).unref();
    void drain().then(() => process.exit(0));
  });
}
