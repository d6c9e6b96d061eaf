/** Which part hears each chat event of the socket and each window event; each answers its unsubscribe. */
import type { Parts } from "./parts.ts";
import { applyMute } from "./mute.ts";
import { chatIdFromPath, pageFromPath } from "./routing.ts";

export function listenToSocket(p: Parts): () => void {
  const sk = p.socket;
  const off = [
    sk.on("message", (m) => {
      p.incoming.message(m);
      void p.notifications.message(m);
    }),
    sk.on("message:updated", (m) => p.incoming.changed(m)),
    sk.on("message:deleted", (m) => p.incoming.changed(m)),
    sk.on("receipt:read", (r) => p.receipts.cursor(r.chat_id, r.user_id, r.last_read_seq)),
    sk.on("receipt:fully_read", (r) => p.receipts.fullyRead(r)),
    sk.on("synced", (c) => p.receipts.synced(c)),
    sk.on("sync_error", (err) => p.connectionState.syncFailed(err)),
    sk.on("typing", (t) => p.typingRelay.heard(t)),
    sk.on("presence", (x) => p.presence.changed(x)),
    sk.on("chat:added", ({ chat }) => void p.chatList.refresh(chat.id)),
    sk.on("chat:removed", ({ chat_id }) => p.chatList.drop(chat_id, true)),
    sk.on("chat:updated", (u) => p.members.chatUpdated(u)),
    sk.on("chat:muted", (m) => applyMute(p, m)),
    sk.on("session:expired", () => p.expire()),
    sk.on("connected", () => p.connectionState.connected()),
  ];
  return () => off.forEach((f) => f());
}

export function listenToWindow(p: Parts): () => void {
  const off: (() => void)[] = [];
  const listen = (type: string, fn: () => void, target: EventTarget = window) => {
    target.addEventListener(type, fn);
    off.push(() => target.removeEventListener(type, fn));
  };
  listen("popstate", () => {
    p.store.page = pageFromPath(location.pathname);
    if (p.store.page === "chats") p.activeChat.open(chatIdFromPath(location.pathname), false);
    else p.account.opened();
  });
  // Timers sleep with the laptop: coming back, a token near or past expiry is renewed at once.
  const renewIfDue = () => {
    if (p.credentials.nearExpiry) void p.socket.renewNow();
  };
  listen("focus", () => {
    renewIfDue();
    p.receipts.markRead();
  });
  listen(
    "visibilitychange",
    () => {
      if (document.visibilityState === "visible") renewIfDue();
      p.receipts.markRead();
      p.pushSubscriptions.updateViewing();
    },
    document,
  );
  // Files dropped beside the conversation (which takes them) would make the browser open them in
  // place of the app.
  const keepFiles = (ev: Event) => {
    if ((ev as DragEvent).dataTransfer?.types.includes("Files")) ev.preventDefault();
  };
  for (const type of ["dragover", "drop"]) {
    window.addEventListener(type, keepFiles);
    off.push(() => window.removeEventListener(type, keepFiles));
  }
  listen("offline", () => p.connectionState.offline());
  listen("online", () => {
    renewIfDue();
    p.connectionState.online();
  });
  return () => off.forEach((f) => f());
}
