/** A pino logger that keeps every line in memory, to assert on what a node logs. */
import { pino, type Logger } from "pino";

export interface LogLine {
  level: number;
  msg?: string;
  err?: { type?: string; message?: string; stack?: string };
  res?: { statusCode?: number };
  [k: string]: unknown;
}

export function memoryLogger(level = "debug"): { logger: Logger; lines: LogLine[]; raw: string[] } {
  const raw: string[] = [];
  const lines: LogLine[] = [];
  const logger = pino(
    { level },
    {
      write(chunk: string) {
        raw.push(chunk);
        lines.push(JSON.parse(chunk) as LogLine);
      },
    },
  );
  return { logger, lines, raw };
}
