/** Who is online: asked over REST for the people shown, then kept current by the socket. */
import type { ServerEventPayload } from "@chat/protocol";
import type { Parts } from "./parts.ts";

export class Presence {
  constructor(private readonly p: Parts) {}

  /** Asks for those not known yet (at most 50 at a time); a failed ask leaves them unknown. */
  async load(userIds: number[]): Promise<void> {
    const s = this.p.store;
    const todo = [...new Set(userIds)].filter((u) => u !== s.me.id && !s.presence.has(u)).slice(0, 50);
    await Promise.all(
      todo.map((u) =>
        this.p.api.call("presence", { params: { user_id: u } }).then(
          (p) => {
            s.presence.set(u, p.online);
            s.lastSeen.set(u, p.last_seen);
          },
          () => undefined,
        ),
      ),
    );
    this.p.screen.render();
  }

  changed(p: ServerEventPayload<"presence">): void {
    const s = this.p.store;
    s.presence.set(p.user_id, p.online);
    // Just went offline: seen now, if the server could not say.
    s.lastSeen.set(p.user_id, p.online ? null : (p.last_seen ?? new Date().toISOString()));
    // Gone (their last device left): a typing of theirs ends with them.
    if (!p.online) s.typing.clearUser(p.user_id);
    this.p.screen.render();
  }

  /** After a reconnect: what changed unseen meanwhile is asked again. */
  forget(): void {
    this.p.store.presence.clear();
  }
}
