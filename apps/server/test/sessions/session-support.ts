/** What the session tests share: a login that keeps the session's ids, and how a socket ended. */
import request from "supertest";
import type { RawSocket } from "../cluster/devices.ts";
import type { TestUser } from "../support/users.ts";

export interface LoggedIn extends TestUser {
  sid: string;
  refreshToken: string;
}

/** A new session of `u` on `url` (`/api/v1/token`): its access token, refresh token and id. */
export async function login(url: string, u: TestUser): Promise<LoggedIn> {
  const body = (
    await request(url).post("/api/v1/token").send({ username: u.email, password: u.password }).expect(200)
  ).body as { access_token: string; session_id: string; refresh_token: string };
  return {
    ...u,
    token: body.access_token,
    auth: { Authorization: `Bearer ${body.access_token}` },
    sid: body.session_id,
    refreshToken: body.refresh_token,
  };
}

/** Resolves with how the socket was told, once it is disconnected by the server. */
export function endOf(s: RawSocket): Promise<{ told: string | undefined; reason: string }> {
  let told: string | undefined;
  s.on("session:expired", (p) => (told = p.reason));
  return new Promise((resolve) => s.once("disconnect", (reason) => resolve({ told, reason })));
}
