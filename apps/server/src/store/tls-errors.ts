/**
 * A PostgreSQL connection refused over the server's certificate (DATABASE_URL with sslmode): Node's
 * own message ("self-signed certificate; if the root CA is installed locally, try running Node.js
 * with --use-system-ca") points away from the setting to fix, so the node's start says which it is.
 */
const CERTIFICATE_CODES = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "CERT_UNTRUSTED",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** `err` itself, or, when it is a refused certificate, an error that names DATABASE_URL's TLS settings. */
export function explainDatabaseTlsError(err: unknown): unknown {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code !== "string" || !CERTIFICATE_CODES.has(code)) return err;
  const reason = (err as Error).message.split(";")[0];
  return new Error(
    `PostgreSQL's TLS certificate was refused (${code}: ${reason}): check sslrootcert (the CA file) and the host name in DATABASE_URL; see docs/operations.md, "TLS"`,
    { cause: err },
  );
}
