/**
 * `pnpm dev-cert [--dir D] [--host NAME]…`: the self-signed development certificate for docker compose
 * (TLS_CERT_DIR, mounted at nginx's /etc/nginx/tls) or any local nginx. Kept if still valid for the names.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { ensureDevCertificate } from "./dev-cert.ts";
import { DEV_CERT_DIR } from "./paths.ts";

const usage = `Usage: pnpm dev-cert [--dir D] [--host NAME]…
  --dir D      where tls.crt and tls.key go (default .data/tls, compose's TLS_CERT_DIR default)
  --host NAME  a name or address the certificate is for (repeatable; default localhost, 127.0.0.1, ::1)`;

let args;
try {
  const argv = process.argv.slice(2);
  args = parseArgs({
    args: argv[0] === "--" ? argv.slice(1) : argv,
    options: {
      dir: { type: "string", default: DEV_CERT_DIR },
      host: { type: "string", multiple: true },
      help: { type: "boolean", short: "h", default: false },
    },
  }).values;
} catch (err) {
  console.error(`${(err as Error).message}\n\n${usage}`);
  process.exit(2);
}
if (args.help) {
  console.log(usage);
  process.exit(0);
}
try {
  const cert = ensureDevCertificate(path.resolve(args.dir), args.host?.length ? { hosts: args.host } : {});
  console.log(`${cert.created ? "made" : "kept (still valid)"}: ${cert.certFile} and ${cert.keyFile}`);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
