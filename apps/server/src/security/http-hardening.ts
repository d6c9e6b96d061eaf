/**
 * Security headers (helmet) and CORS. Browsers may call the API only from the node's own origin
 * unless CORS_ORIGINS lists others. The CSP allows what the web client, Swagger UI and ReDoc need
 * from this origin only (ReDoc renders with inline styles and a blob: worker).
 */
import type { RequestHandler } from "express";
import helmet from "helmet";
import cors from "cors";

/**
 * `fileOrigins`: where the web client PUTs uploads and loads attachments from when they live in
 * object storage (S3_PUBLIC_ENDPOINT's origin); the filesystem driver serves them from this origin.
 */
export function hardening(
  corsOrigins: string[] | "same-origin",
  fileOrigins: string[] = [],
): RequestHandler[] {
  return [
    helmet({
      contentSecurityPolicy: {
        directives: {
          "default-src": ["'self'"],
          "script-src": ["'self'"],
          "style-src": ["'self'", "'unsafe-inline'"],
          // blob:: an encrypted chat's images, decrypted by the page itself (issue 17).
          "img-src": ["'self'", "data:", "blob:", ...fileOrigins],
          "media-src": ["'self'", ...fileOrigins],
          "connect-src": ["'self'", "ws:", "wss:", ...fileOrigins],
          "worker-src": ["'self'", "blob:"],
          "font-src": ["'self'", "data:"],
          // Plain-HTTP deployments (nginx on :80, localhost) must keep working.
          "upgrade-insecure-requests": null,
        },
      },
      crossOriginEmbedderPolicy: false,
    }),
    cors({
      origin: corsOrigins === "same-origin" ? false : corsOrigins,
      methods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
      allowedHeaders: ["Authorization", "Content-Type", "X-Request-Id"],
      maxAge: 600,
    }),
  ];
}
