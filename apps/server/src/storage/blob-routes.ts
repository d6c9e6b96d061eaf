/**
 * The filesystem driver's own endpoints, what S3 is for the S3 driver: a client PUTs an upload's
 * bytes to the signed link it was given, and follows a signed download link to fetch them. No
 * bearer token here: the link is the permission (blob-links.ts), short-lived and bound to its key,
 * size and type. Mounted before the JSON body parser: the body is the file, streamed to disk.
 */
import { Router, type Response } from "express";
import { AppError } from "@chat/protocol";
import type { BlobLinks } from "./blob-links.ts";
import type { BlobStore } from "./blob-store.ts";

/** What a served file may never do in a browser: run script, be sniffed into HTML, reach anything. */
export function sandboxHeaders(res: Response): void {
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Content-Security-Policy", "default-src 'none'; sandbox");
  res.setHeader("Cross-Origin-Resource-Policy", "same-site");
}

export function blobRoutes(store: BlobStore, links: BlobLinks): Router {
  const r = Router();

  r.put("/api/v1/blobs/:token", async (req, res, next) => {
    try {
      const claims = links.verify(req.params.token);
      if (claims.op !== "put") throw new AppError("forbidden", "This link is not an upload link");
      const type = (req.headers["content-type"] ?? "").toLowerCase();
      if (type !== claims.type.toLowerCase()) {
        throw new AppError(
          "validation_failed",
          "Content-Type differs from the type the upload was asked for",
        );
      }
      const length = Number(req.headers["content-length"]);
      if (req.headers["content-length"] === undefined || !Number.isSafeInteger(length)) {
        throw new AppError("validation_failed", "Content-Length is required");
      }
      if (length !== claims.size) {
        throw new AppError(
          length > claims.size ? "payload_too_large" : "validation_failed",
          `The upload was asked for ${claims.size} bytes, not ${length}`,
        );
      }
      const { size } = await store.put(claims.key, req, { contentType: claims.type, maxBytes: claims.size });
      res.status(200).json({ size });
    } catch (err) {
      // The body was not read: the connection cannot carry another request.
      if (!req.complete) res.setHeader("Connection", "close");
      next(err);
    }
  });

  r.get("/api/v1/blobs/:token", async (req, res, next) => {
    try {
      const claims = links.verify(req.params.token);
      if (claims.op !== "get") throw new AppError("forbidden", "This link is not a download link");
      const head = await store.head(claims.key);
      if (!head) throw new AppError("not_found");
      const body = await store.get(claims.key);
      sandboxHeaders(res);
      res.setHeader("Content-Type", claims.type);
      res.setHeader("Content-Disposition", claims.disposition);
      res.setHeader("Content-Length", String(head.size));
      res.setHeader("Cache-Control", "private, max-age=60");
      body.on("error", (err) => res.destroy(err));
      body.pipe(res);
    } catch (err) {
      next(err);
    }
  });

  return r;
}
