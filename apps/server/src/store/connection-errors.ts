/** Errors that mean "the database is not reachable right now": retryable for the client. */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  if (!e || typeof e !== "object") return false;
  const code = e.code ?? "";
  return (
    [
      "P1001",
      "P1002",
      "P1017",
      "P2024",
      "ECONNREFUSED",
      "ECONNRESET",
      "ETIMEDOUT",
      "EPIPE",
      "57014", // statement_timeout (DB_STATEMENT_TIMEOUT_MS)
      "57P01",
      "57P02",
      "57P03",
      "08006",
      "08001",
      "08003",
    ].includes(code) ||
    /Connection terminated|connection timeout|Client has encountered a connection error|Query read timeout|timeout exceeded when trying to connect/i.test(
      e.message ?? "",
    )
  );
}
