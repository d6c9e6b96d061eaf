import { pino, type Logger } from "pino";

/** pino JSON logs; pretty when stdout is a TTY. Secrets are redacted wherever they might appear. */
export function createLogger(level: string, name?: string): Logger {
  const pretty = process.stdout.isTTY && process.env.NODE_ENV !== "production";
  return pino({
    level,
    base: name ? { node: name } : undefined,
    redact: {
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        "password",
        "*.password",
        "token",
        "*.token",
        "access_token",
      ],
      censor: "[redacted]",
    },
    ...(pretty ? { transport: { target: "pino-pretty", options: { translateTime: "SYS:HH:MM:ss.l" } } } : {}),
  });
}
export type { Logger };
