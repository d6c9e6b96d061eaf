/** The REST client of packages/client, same origin, with one rule added: a 401 ends the session. */
import { ApiClient, ApiError, type CallArgs } from "@chat/client";
import type { RouteName, RouteResponse } from "@chat/protocol";

export class Api {
  private readonly client: ApiClient;

  constructor(
    token: string | undefined,
    private readonly onUnauthorized: () => void = () => undefined,
  ) {
    this.client = new ApiClient(location.origin, { token });
  }

  async call<N extends RouteName>(name: N, args?: CallArgs<N>): Promise<RouteResponse<N>> {
    try {
      return await this.client.call(name, args);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) this.onUnauthorized();
      throw err;
    }
  }
}

/** Logs in (and first registers, when a name is given); answers the token and who it is for. */
export async function signIn(email: string, password: string, name?: string) {
  const client = new ApiClient(location.origin);
  try {
    if (name !== undefined) await client.register(name, email, password);
    const token = await client.login(email, password);
    const user = await client.call("me");
    return { token, user };
  } catch (err) {
    throw new Error(describe(err));
  }
}

function describe(err: unknown): string {
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
