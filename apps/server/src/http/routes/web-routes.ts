/**
 * The browser client (apps/web, built into apps/web/dist) at `/`: its static files, and its
 * index.html for client routes such as /c/12 and the admin console's /admin — only for GET/HEAD requests that accept HTML and
 * are not API paths, so API clients keep getting JSON 404s. Without a build, `/` says how to make
 * one instead of failing obscurely.
 */
import fs from "node:fs";
import path from "node:path";
import express, { Router, type Request } from "express";
import { originRoutes, routes, servedPath } from "@chat/protocol";

/** First path segments that belong to the API, the docs or the socket, never to the client. */
const SERVER_SEGMENTS = new Set([
  ...Object.values(routes).map((r) => servedPath(r).split("/")[1]),
  // The origin's surface answers at the root: its paths and the table's own first segments.
  ...[...Object.values(routes), ...Object.values(originRoutes)].map((r) => r.path.split("/")[1]),
  "socket.io",
  "docs",
  "redoc",
  "openapi.json",
  "asyncapi.json",
  "metrics",
  "admin",
]);

/** Pages of the client under a server segment: the admin console (its API is /api/v1/admin/*). */
const CLIENT_PAGES = new Set(["/admin"]);

const NO_BUILD_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Chat — client not built</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><h1>The web client is not built</h1>
<p>Run <code>pnpm run setup</code> (or <code>pnpm --filter @chat/web run build</code>) in the repository, then reload.
The API is up: see <a href="/docs">/docs</a>.</p></body></html>`;

function isClientRoute(req: Request): boolean {
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  // The root is the app for anyone (curl, a health checker); deeper paths only for browsers.
  if (req.path === "/") return true;
  if (!(req.headers.accept ?? "").includes("text/html")) return false;
  if (CLIENT_PAGES.has(req.path)) return true;
  const first = req.path.split("/")[1] ?? "";
  if (SERVER_SEGMENTS.has(first)) return false;
  // A missing file (/favicon.ico, /assets/x.js) is a 404, not the app.
  return !path.posix.basename(req.path).includes(".");
}

export function webRoutes(distDir: string): Router {
  const r = Router();
  const indexFile = path.join(distDir, "index.html");
  r.use(
    express.static(distDir, {
      index: false,
      setHeaders: (res, file) => {
        // Vite puts a content hash in every asset name: cache those for good.
        if (file.includes(`${path.sep}assets${path.sep}`))
          res.setHeader("Cache-Control", "public, max-age=31536000, immutable");
      },
    }),
  );
  r.use((req, res, next) => {
    if (!isClientRoute(req)) return next();
    if (!fs.existsSync(indexFile)) {
      res.status(200).type("html").send(NO_BUILD_PAGE);
      return;
    }
    // Always revalidated, so a new build reaches browsers on the next load.
    res.setHeader("Cache-Control", "no-cache");
    res.sendFile(indexFile);
  });
  return r;
}
