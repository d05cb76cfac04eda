import net from "node:net";

/**
 * A TCP port that was free on 127.0.0.1 a moment ago (the OS picks it), for a server started right after: the
 * embedded PostgreSQL of the tests and of `npm run views:migration`, the local replays.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
