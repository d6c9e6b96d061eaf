/**
 * The blob-store contract against both implementations: the filesystem in a temporary folder
 * (its signed links served by the node's own blob routes on a private HTTP server), and S3 on an
 * `s3rver` this test starts (a fresh bucket per test; two clients on it stand for two nodes).
 */
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import express from "express";
import { DiskBlobStore } from "../../src/storage/blob-store.disk.ts";
import { BlobLinks } from "../../src/storage/blob-links.ts";
import { blobRoutes } from "../../src/storage/blob-routes.ts";
import { S3BlobStore, type S3Settings } from "../../src/storage/blob-store.s3.ts";
import { errorHandler } from "../../src/http/errors.ts";
import { useS3rver } from "../support/s3rver.ts";
import { blobStoreContract } from "./blob-store.contract.ts";

async function listen(server: http.Server | net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return (server.address() as net.AddressInfo).port;
}

describe("contract: blob store", () => {
  describe("filesystem", () => {
    blobStoreContract(
      async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "blobs-"));
        const links = new BlobLinks("contract-secret-of-at-least-32-bytes!!");
        const store = new DiskBlobStore(dir, links);
        const app = express().use(blobRoutes(store, links)).use(errorHandler);
        const server = http.createServer(app);
        const port = await listen(server);
        return {
          impl: store,
          baseUrl: `http://127.0.0.1:${port}`,
          // Nodes sharing the volume: another store on the same folder.
          otherNode: async () => ({ impl: new DiskBlobStore(dir, links), crash: () => undefined }),
          cleanup: async () => {
            server.closeAllConnections();
            await new Promise((r) => server.close(r));
            fs.rmSync(dir, { recursive: true, force: true });
          },
        };
      },
      { cluster: true, ownLinks: true },
    );
  });

  describe("s3 (s3rver)", () => {
    const s3 = useS3rver();
    const settings = (bucket: string, over: Partial<S3Settings> = {}): S3Settings => ({
      ...s3.settings(bucket),
      timeoutMs: 2000,
      ...over,
    });
    blobStoreContract(
      async () => {
        const bucket = await s3.freshBucket();
        const stores = [new S3BlobStore(settings(bucket))];
        return {
          impl: stores[0],
          baseUrl: s3.endpoint(),
          otherNode: async () => {
            const other = new S3BlobStore(settings(bucket));
            stores.push(other);
            return { impl: other, crash: () => undefined };
          },
          cleanup: async () => {
            for (const s of stores) await s.close();
          },
        };
      },
      {
        cluster: true,
        ownLinks: false,
        stalled: async () => {
          const sockets = new Set<net.Socket>();
          const server = net.createServer((c) => {
            sockets.add(c);
            c.on("error", () => undefined);
          });
          const port = await listen(server);
          const timeoutMs = 800;
          const store = new S3BlobStore(
            settings("stalled", { endpoint: `http://127.0.0.1:${port}`, timeoutMs }),
          );
          return {
            store,
            timeoutMs,
            cleanup: async () => {
              await store.close();
              for (const c of sockets) c.destroy();
              await new Promise((r) => server.close(r));
            },
          };
        },
      },
    );
  });
});
