/**
 * Renders the root `.env.example` from config/env.ts (every variable the node reads, its doc and
 * default) and docker-compose.yml (which variables compose fixes itself, which it requires, and
 * its own variables). `node --import tsx scripts/env-example.ts --write` rewrites the file; a test
 * (test/ops/env-example.test.ts) checks that the file is current.
 */
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parse } from "yaml";
import { envSpec } from "../src/config/env.ts";
import { ROOT_DIR } from "../src/launcher/paths.ts";

/** Variables of docker-compose.yml itself (not read by the node). */
export const composeVars: Record<string, { doc: string; default?: string }> = {
  POSTGRES_PASSWORD: { doc: "PostgreSQL password (URL-safe characters: it goes into DATABASE_URL)" },
  POSTGRES_USER: { doc: "PostgreSQL user", default: "chat" },
  POSTGRES_DB: { doc: "PostgreSQL database", default: "chat" },
  NGINX_PORT: { doc: "Host port of nginx, the public entry point (all interfaces)", default: "8080" },
  GRAFANA_ADMIN_PASSWORD: {
    doc: "Grafana's admin password (profile monitoring; Grafana listens on 127.0.0.1 only)",
    default: "admin",
  },
  GRAFANA_PORT: { doc: "Host port of Grafana, on 127.0.0.1", default: "3001" },
  PROMETHEUS_PORT: { doc: "Host port of Prometheus, on 127.0.0.1", default: "9090" },
  MINIO_PORT: {
    doc: "Host port of MinIO (all interfaces): browsers follow presigned links there, so S3_PUBLIC_ENDPOINT names it",
    default: "9000",
  },
  MINIO_CORS_ALLOW_ORIGIN: {
    doc: "Origins MinIO answers CORS for (browsers PUT uploads from the app's origin), e.g. http://localhost:8080",
    default: "*",
  },
};

type Use = { kind: "fixed" } | { kind: "required" } | { kind: "optional" } | { kind: "absent" };

/** How docker-compose.yml's `app` service sets a variable. */
function composeUse(env: Record<string, string>, key: string): Use {
  const v = env[key];
  if (v === undefined) return { kind: "absent" };
  if (v.includes(`\${${key}:?`)) return { kind: "required" };
  if (v.includes(`\${${key}`)) return { kind: "optional" };
  return { kind: "fixed" };
}

function wrap(text: string, width = 98): string[] {
  const lines: string[] = [];
  let line = "#";
  for (const word of text.split(/\s+/)) {
    if (line.length + word.length + 1 > width && line !== "#") {
      lines.push(line);
      line = "#";
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines;
}

function defaultOf(schema: (typeof envSpec)[keyof typeof envSpec]["schema"]): string | undefined {
  const parsed = schema.safeParse(undefined);
  return parsed.success && parsed.data !== undefined ? String(parsed.data) : undefined;
}

export function renderEnvExample(composeFile = path.join(ROOT_DIR, "docker-compose.yml")): string {
  const compose = parse(fs.readFileSync(composeFile, "utf8")) as {
    services: Record<string, { environment?: Record<string, string> }>;
  };
  const appEnv = compose.services.app.environment ?? {};
  const out: string[] = [
    "# Environment of the chat cluster. Copy to .env, which docker compose reads (docker-compose.yml);",
    "# `pnpm start` and `pnpm cluster` read the node's variables from the shell environment instead.",
    "# Generated from apps/server/src/config/env.ts and docker-compose.yml by",
    "# `pnpm --filter @chat/server run env-example`: change the docs there, not here.",
    "# Uncommented lines must be set (compose refuses to start without them); commented lines show",
    "# the default.",
    "",
    "## docker compose",
    "",
  ];
  for (const [key, v] of Object.entries(composeVars)) {
    out.push(...wrap(v.default === undefined ? `${v.doc}. Required.` : `${v.doc}.`));
    out.push(v.default === undefined ? `${key}=` : `# ${key}=${v.default}`, "");
  }
  out.push("## The node (apps/server/src/config/env.ts)", "");
  for (const [key, spec] of Object.entries(envSpec)) {
    const use = composeUse(appEnv, key);
    const def = defaultOf(spec.schema);
    const notes = [spec.doc.replace(/\.?$/, ".")];
    if (use.kind === "fixed") notes.push(`docker compose sets it: ${appEnv[key].replace(/:\?[^}]*/g, "")}.`);
    if (use.kind === "required") notes.push("Required by docker compose.");
    if (use.kind === "absent") notes.push("Not passed by docker compose.");
    out.push(...wrap(notes.join(" ")));
    out.push(use.kind === "required" ? `${key}=` : `# ${key}=${def ?? ""}`, "");
  }
  return out.join("\n").replace(/\n+$/, "\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const text = renderEnvExample();
  if (process.argv.includes("--write")) fs.writeFileSync(path.join(ROOT_DIR, ".env.example"), text);
  else process.stdout.write(text);
}
