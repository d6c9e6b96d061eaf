/** /openapi.json, Swagger UI at /docs and ReDoc at /redoc (served from npm, no CDN), as the origin had. */
import { createRequire } from "node:module";
import path from "node:path";
import express, { Router } from "express";
import swaggerUi from "swagger-ui-express";
import { renderAsyncApiPage } from "../../realtime/asyncapi-page.ts";

const require = createRequire(import.meta.url);

export function docsRoutes(openapi: object, asyncapi: object): Router {
  const r = Router();
  r.get("/openapi.json", (_req, res) => void res.json(openapi));
  r.get("/asyncapi.json", (_req, res) => void res.json(asyncapi));
  const asyncapiPage = renderAsyncApiPage(asyncapi as Parameters<typeof renderAsyncApiPage>[0]);
  r.get("/asyncapi", (_req, res) => void res.type("html").send(asyncapiPage));
  r.use("/docs", swaggerUi.serve, swaggerUi.setup(openapi, { customSiteTitle: "Chat cluster API" }));
  const redocDir = path.dirname(require.resolve("redoc/bundles/redoc.standalone.js"));
  // pnpm keeps packages under node_modules/.pnpm: without dotfiles "allow", send() answers 404.
  r.get("/redoc/redoc.standalone.js", (_req, res) =>
    res.sendFile(path.join(redocDir, "redoc.standalone.js"), { dotfiles: "allow", maxAge: "1d" }),
  );
  r.get("/redoc", (_req, res) => {
    res.type("html").send(`<!doctype html>
<html><head><meta charset="utf-8"><title>Chat cluster API — ReDoc</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><redoc spec-url="/openapi.json"></redoc><script src="/redoc/redoc.standalone.js"></script></body></html>`);
  });
  return r;
}
