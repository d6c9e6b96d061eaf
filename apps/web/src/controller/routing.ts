/** The address bar: `/` is the chat list, `/c/<id>` an open chat, `/devices` and `/settings` the account pages. */
import type { Page } from "../store.ts";

export function chatIdFromPath(path: string): number | undefined {
  const m = /^\/c\/(\d{1,10})$/.exec(path);
  return m ? Number(m[1]) : undefined;
}

/** A new history entry for the chat now open (none when the address already says it). */
export function showChatInPath(chatId: number | undefined): void {
  const path = chatId === undefined ? "/" : `/c/${chatId}`;
  if (location.pathname !== path) history.pushState(null, "", path);
}

export function pageFromPath(path: string): Page {
  return path === "/devices" ? "devices" : path === "/settings" ? "settings" : "chats";
}

/** A new history entry for an account page. */
export function showPageInPath(page: Page): void {
  const path = page === "chats" ? "/" : `/${page}`;
  if (location.pathname !== path) history.pushState(null, "", path);
}
