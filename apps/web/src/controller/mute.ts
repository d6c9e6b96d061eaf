/** Muting a chat (PUT /chats/{id}/mute, kept on the server for every device): no pushes or notifications unless I am @mentioned. */
import type { ServerEventPayload } from "@chat/protocol";
import { isMuted } from "../logic/mentions.ts";
import type { Parts } from "./parts.ts";

export async function toggleMute(p: Parts, chatId: number): Promise<void> {
  const e = p.store.chats.get(chatId);
  if (!e) return;
  const until = isMuted(e.summary.muted_until) ? null : "forever";
  try {
    applyMute(p, await p.api.call("muteChat", { params: { chat_id: chatId }, body: { until } }));
  } catch {
    p.screen.notify(until ? "Could not mute the chat" : "Could not unmute the chat");
  }
}

/**
 * A mute of mine, from this tab's answer or from `chat:muted` (another tab or device of mine, any
 * node): the header button, the list's icon and the notification decisions all read `muted_until`.
 */
export function applyMute(p: Parts, m: ServerEventPayload<"chat:muted">): void {
  const e = p.store.chats.get(m.chat_id);
  if (!e || e.summary.muted_until === m.muted_until) return;
  e.summary.muted_until = m.muted_until;
  p.screen.render();
}
