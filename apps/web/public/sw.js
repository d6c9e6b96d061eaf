/*
 * The web client's service worker (issue 18, item 4): shows a Web Push as a system notification
 * and opens its chat on click. The payload is the server's PushPayload (packages/protocol
 * schemas/push.ts): {type: "message", chat_id, message_id, seq, sender_name, chat_name, preview,
 * encrypted, mention}. Served at /sw.js (Vite copies public/ into dist/), so its scope is the
 * whole app. The page registers it and subscribes (GET /api/v1/push/vapid-public-key, then
 * POST /api/v1/push/subscriptions); the server skips devices that show the chat.
 */
/* eslint-env serviceworker */
"use strict";

const TITLE_MAX = 100;
const BODY_MAX = 200;

const cut = (s, n) => (typeof s === "string" ? (s.length > n ? `${s.slice(0, n - 1)}…` : s) : "");

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let p = null;
  try {
    p = event.data ? event.data.json() : null;
  } catch {
    p = null;
  }
  // Every push must show something (userVisibleOnly): an unreadable one says only that much.
  const valid = p && p.type === "message" && Number.isInteger(p.chat_id);
  const sender = valid ? cut(p.sender_name, TITLE_MAX) : "";
  const chat = valid ? cut(p.chat_name, TITLE_MAX) : "";
  const title = !valid ? "New message" : sender === chat || !chat ? sender : `${sender} · ${chat}`;
  const body = valid ? cut(p.mention ? `@ ${p.preview}` : p.preview, BODY_MAX) : "";
  event.waitUntil(
    self.registration.showNotification(title || "New message", {
      body,
      // One notification per chat: a newer message replaces the older one and rings again.
      tag: valid ? `chat-${p.chat_id}` : "chat",
      renotify: true,
      data: valid ? { chat_id: p.chat_id, message_id: p.message_id } : {},
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const chatId = event.notification.data && event.notification.data.chat_id;
  const path = Number.isInteger(chatId) ? `/c/${chatId}` : "/";
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const own = windows.find((w) => new URL(w.url).origin === self.location.origin);
      if (own) {
        // An open tab of the app switches to the chat itself (no reload): it listens for this.
        own.postMessage({ type: "open-chat", chat_id: chatId });
        await own.focus();
        return;
      }
      await self.clients.openWindow(path);
    })(),
  );
});
