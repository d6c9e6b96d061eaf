/**
 * HTTP from a chosen loopback source address (127.0.0.x: Linux routes all of 127/8 to lo), so a
 * test can be several real clients at once — through nginx, which overwrites X-Forwarded-For with
 * the address it sees, that is the only way to be "another client".
 */
import http from "node:http";

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: { error?: { code: string; details?: { retry_after?: number } } } & Record<string, unknown>;
  ms: number;
}

export function postForm(
  baseUrl: string,
  path: string,
  form: Record<string, string>,
  opts: { from?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const u = new URL(path, baseUrl);
  const payload = new URLSearchParams(form).toString();
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: "POST",
        localAddress: opts.from,
        agent: false,
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "content-length": Buffer.byteLength(payload),
          ...opts.headers,
        },
        timeout: 15_000,
      },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => {
          let body: Answer["body"] = {};
          try {
            body = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode!, headers: res.headers, body, ms: Date.now() - started });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(payload);
  });
}

/** A login attempt (POST /token, form). */
export const login = (
  baseUrl: string,
  email: string,
  password: string,
  opts: Parameters<typeof postForm>[3] = {},
) => postForm(baseUrl, "/api/v1/token", { username: email, password }, opts);
