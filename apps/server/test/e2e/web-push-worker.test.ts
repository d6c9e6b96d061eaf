/**
 * The web client's service worker (apps/web/public/sw.js) in Chromium: a push delivered through
 * the DevTools protocol (ServiceWorker.deliverPushMessage) with the server's payload makes the
 * worker show a notification (showNotification resolves) with sender, chat, preview and the chat
 * to open; a malformed push still shows a generic one. A click on the notification (dispatched in
 * the worker: headless Chromium has no notification to click) tells an open tab of the app to open
 * the chat, which it does; with no tab open it opens a window at /c/{chat_id}.
 */
import { expect } from "chai";
import type { PushPayload } from "@chat/protocol";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { useNode } from "../support/node.ts";
import { createGroup, createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { ensureWebBuild } from "./web-fixture.ts";
import { ChatPage } from "./web-pages.ts";
import { driveServiceWorker, type ServiceWorkerDriver } from "./web-service-worker.ts";
import { launchPersistentChromium, type BrowserContext } from "../../../web/test/browser.ts";

describe("web: the service worker shows Web Push notifications and opens their chat", function () {
  this.timeout(60_000);
  before(() => ensureWebBuild());
  const node = useNode();
  // A persistent profile: no push messaging in incognito contexts.
  let context: BrowserContext;
  let profile: string;
  let sw: ServiceWorkerDriver;
  before(async () => {
    profile = fs.mkdtempSync(path.join(os.tmpdir(), "sw-profile-"));
    context = await launchPersistentChromium(profile);
    context.setDefaultTimeout(12_000);
    await context.grantPermissions(["notifications"], { origin: node.url });
    const page = await context.newPage();
    await page.goto(`${node.url}/`);
    await page.evaluate(async () => {
      await navigator.serviceWorker.register("/sw.js");
      await navigator.serviceWorker.ready;
    });
    sw = await driveServiceWorker(context, page, node.url);
  });
  after(async () => {
    await context?.close();
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
  });

  it("a pushed message appears as a notification of its chat", async () => {
    const payload: PushPayload = {
      type: "message",
      chat_id: 12,
      message_id: 345,
      seq: 6,
      sender_name: "Alice",
      chat_name: "Team",
      preview: "Lunch at one?",
      encrypted: false,
      mention: false,
    };
    await sw.push(JSON.stringify(payload));
    await eventually(
      async () =>
        expect(await sw.shown()).to.deep.equal([
          {
            title: "Alice · Team",
            body: "Lunch at one?",
            tag: "chat-12",
            data: { chat_id: 12, message_id: 345 },
          },
        ]),
      10_000,
    );
    await sw.push("<not json>");
    await eventually(
      async () => expect((await sw.shown()).map((n) => n.title)).to.include("New message"),
      10_000,
    );
  });

  it("its click opens the chat in the open tab (open-chat), or opens /c/{chat_id} when no tab is open", async () => {
    const alice = await createUser(node.url, "Alice");
    const bob = await createUser(node.url, "Bob");
    const team = await createGroup(node.url, bob, [alice], "Team");
    await createGroup(node.url, bob, [alice], "Other");
    for (const p of context.pages()) await p.close();
    const tab = new ChatPage(await context.newPage());
    await tab.page.goto(`${node.url}/`);
    await tab.login(alice.email);
    await tab.openChat("Other");

    // A tab of the app is open: the worker tells it and focuses it; the tab switches to the chat.
    expect(await sw.click({ chat_id: team, message_id: 1 })).to.deep.equal({ opened: [], focused: 1 });
    await tab.page.locator("#conversation-title", { hasText: /^Team$/ }).waitFor();
    expect(new URL(tab.page.url()).pathname).to.equal(`/c/${team}`);
    expect(tab.errors).to.deep.equal([]);

    // No tab open: a window opens at the chat's address.
    await tab.page.close();
    expect(await sw.click({ chat_id: team, message_id: 1 })).to.deep.equal({
      opened: [`/c/${team}`],
      focused: 0,
    });
    // A notification without a chat (the generic one) opens the app.
    expect(await sw.click({})).to.deep.equal({ opened: ["/"], focused: 0 });
  });
});
