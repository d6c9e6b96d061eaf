/**
 * A TCP proxy the test controls, in front of a real server (PostgreSQL): `stall()` stops
 * forwarding bytes in both directions but keeps every connection open, new ones included (they
 * are accepted and then hear nothing), like a peer that froze or a network that drops packets;
 * `holdAnswers()` stalls only the way back: requests reach the server, its answers wait (a server
 * that did the work and died before it could say so); `resume()` forwards what was held back and
 * carries on.
 */
import net from "node:net";

export interface StallProxy {
  port: number;
  stall(): void;
  holdAnswers(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startStallProxy(targetHost: string, targetPort: number): Promise<StallProxy> {
  let held: "none" | "both" | "answers" = "none";
  const pairs = new Set<{ a: net.Socket; b: net.Socket }>();
  const server = net.createServer((a) => {
    const b = net.connect(targetPort, targetHost);
    const pair = { a, b };
    pairs.add(pair);
    // Paused sockets read nothing: the bytes wait in the kernel, the peers wait for an answer.
    if (held === "both") a.pause();
    if (held !== "none") b.pause();
    // Plain forwarding rather than pipe(): pipe() may resume a paused source on "drain".
    a.on("data", (d) => b.write(d));
    b.on("data", (d) => a.write(d));
    const end = () => {
      a.destroy();
      b.destroy();
      pairs.delete(pair);
    };
    a.on("error", end).on("close", end);
    b.on("error", end).on("close", end);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    stall() {
      held = "both";
      for (const { a, b } of pairs) {
        a.pause();
        b.pause();
      }
    },
    holdAnswers() {
      held = "answers";
      for (const { b } of pairs) b.pause();
    },
    resume() {
      held = "none";
      for (const { a, b } of pairs) {
        a.resume();
        b.resume();
      }
    },
    async close() {
      for (const { a, b } of pairs) {
        a.destroy();
        b.destroy();
      }
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
