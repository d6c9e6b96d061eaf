/**
 * The REST client of packages/client, same origin, with the session's rules added: every call
 * carries the current access token; a `token_expired` refreshes it (Credentials) and tries once
 * more; a session that is over (refresh refused, token revoked) ends the app's session.
 */
import { ApiClient, ApiError, type CallArgs } from "@chat/client/core";
import type { RouteName, RouteResponse } from "@chat/protocol";
import type { Credentials } from "./credentials.ts";

export class Api {
  constructor(
    private readonly credentials: Credentials,
    private readonly onUnauthorized: () => void = () => undefined,
  ) {}

  async call<N extends RouteName>(name: N, args?: CallArgs<N>): Promise<RouteResponse<N>> {
    try {
      try {
        return await this.client().call(name, args);
      } catch (err) {
        if (!(err instanceof ApiError && err.code === "token_expired")) throw err;
        await this.credentials.fresh();
        return await this.client().call(name, args);
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) this.onUnauthorized();
      throw err;
    }
  }

  private client() {
    return new ApiClient(location.origin, { token: this.credentials.token });
  }
}

/** What a failed login, registration or account change says to the person. */
export function describe(err: unknown): string {
  if (err instanceof ApiError) {
    const details = err.body.details;
    if (err.code === "validation_failed" && Array.isArray(details) && details.length > 0) {
      return details
        .map((d: { path?: string; message?: string }) => `${d.path ? `${d.path}: ` : ""}${d.message ?? ""}`)
        .join("; ");
    }
    return err.body.message;
  }
  return "Cannot reach the server. Check your connection and try again.";
}
