/** Muting a chat (PUT /chats/{id}/mute, kept on the server for every device): no pushes or notifications unless I am @mentioned. */
import { isMuted } from "../logic/mentions.ts";
import type { Parts } from "./parts.ts";

export async function toggleMute(p: Parts, chatId: number): Promise<void> {
  const e = p.store.chats.get(chatId);
  if (!e) return;
  const until = isMuted(e.summary.muted_until) ? null : "forever";
  try {
    const r = await p.api.call("muteChat", { params: { chat_id: chatId }, body: { until } });
    e.summary.muted_until = r.muted_until;
    p.screen.render();
  } catch {
    p.screen.notify(until ? "Could not mute the chat" : "Could not unmute the chat");
  }
}
