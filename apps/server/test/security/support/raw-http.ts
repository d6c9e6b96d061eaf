/**
 * A bare HTTP client over one keep-alive agent: sends exactly the bytes it is given (invalid
 * UTF-8, broken JSON, odd content types) and fails fast on a hang instead of waiting for mocha.
 */
import http from "node:http";

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
}

export interface RawRequest {
  method: string;
  /** Path and query exactly as sent (already percent-encoded, or deliberately not). */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

export class RawHttp {
  private readonly agent: http.Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(
    baseUrl: string,
    private readonly timeoutMs = 5000,
    maxSockets = 8,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
    const u = new URL(baseUrl);
    this.host = u.hostname;
    this.port = Number(u.port);
  }

  send(r: RawRequest): Promise<RawResponse> {
    const body = typeof r.body === "string" ? Buffer.from(r.body) : r.body;
    const headers: Record<string, string> = { ...r.headers };
    if (body) headers["content-length"] = String(body.length);
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: this.host, port: this.port, method: r.method, path: r.path, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let json: unknown;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
          });
          res.on("error", reject);
        },
      );
      req.setTimeout(this.timeoutMs, () =>
        req.destroy(new Error(`no answer within ${this.timeoutMs} ms (hang): ${r.method} ${r.path}`)),
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
