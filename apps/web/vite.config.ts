// Builds the browser client into dist/, which every chat node serves at /.
// `pnpm --filter @chat/web dev` serves it with hot reload and forwards the API and the socket to
// a node on :3000 (`pnpm start`).
import { defineConfig } from "vitest/config";

const node = process.env.CHAT_API_URL ?? "http://localhost:3000";
// The API lives under /api/v1 (API_PREFIX of @chat/protocol); the probes stay at the root.
const api = ["/api", "/healthz", "/readyz"];

export default defineConfig({
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: {
    proxy: {
      ...Object.fromEntries(api.map((p) => [p, { target: node }])),
      "/socket.io": { target: node, ws: true },
    },
  },
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
  },
});
