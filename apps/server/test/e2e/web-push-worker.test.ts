/**
 * The web client's service worker (apps/web/public/sw.js) in Chromium: a push delivered through
 * the DevTools protocol (ServiceWorker.deliverPushMessage) with the server's payload makes the
 * worker show a notification (showNotification resolves) with sender, chat, preview and the chat
 * to open; a malformed push still shows a generic one. The click (opening the chat) is not driven
 * here: headless Chromium has no notification to click.
 */
import { expect } from "chai";
import type { PushPayload } from "@chat/protocol";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { useNode } from "../support/node.ts";
import { eventually } from "../support/wait.ts";
import { ensureWebBuild } from "./web-fixture.ts";
import { launchPersistentChromium, type BrowserContext } from "../../../web/test/browser.ts";

describe("web: the service worker shows Web Push notifications", function () {
  this.timeout(60_000);
  before(() => ensureWebBuild());
  const node = useNode();
  // A persistent profile: no push messaging in incognito contexts.
  let context: BrowserContext;
  let profile: string;
  before(async () => {
    profile = fs.mkdtempSync(path.join(os.tmpdir(), "sw-profile-"));
    context = await launchPersistentChromium(profile);
  });
  after(async () => {
    await context?.close();
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
  });

  it("a pushed message appears as a notification of its chat", async () => {
    await context.grantPermissions(["notifications"], { origin: node.url });
    const page = await context.newPage();
    await page.goto(`${node.url}/`);
    const cdp = await context.newCDPSession(page);
    const registrations: string[] = [];
    cdp.on(
      "ServiceWorker.workerRegistrationUpdated",
      (e: { registrations: Array<{ registrationId: string }> }) =>
        registrations.push(...e.registrations.map((r) => r.registrationId)),
    );
    await cdp.send("ServiceWorker.enable");
    await page.evaluate(async () => {
      await navigator.serviceWorker.register("/sw.js");
      await navigator.serviceWorker.ready;
    });
    await eventually(() => expect(registrations).to.not.be.empty, 10_000);
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
    // What the worker showed, recorded inside it once showNotification resolved. (Headless
    // Chromium's getNotifications() did not reliably list them afterwards: its display is a stub.)
    // A worker with DevTools attached (Playwright's handle) is not stopped, so the record stays.
    const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker"));
    await worker.evaluate(() => {
      const scope = self as unknown as { registration: ServiceWorkerRegistration; shown: unknown[] };
      const reg = scope.registration;
      const show = reg.showNotification.bind(reg);
      scope.shown = [];
      reg.showNotification = (title: string, o: NotificationOptions = {}) =>
        show(title, o).then(
          () => void scope.shown.push({ title, body: o.body, tag: o.tag, data: o.data as unknown }),
        );
    });
    const shown = () => worker.evaluate(() => (self as unknown as { shown: Array<{ title: string }> }).shown);
    await cdp.send("ServiceWorker.deliverPushMessage", {
      origin: node.url,
      registrationId: registrations[0],
      data: JSON.stringify(payload),
    });
    await eventually(
      async () =>
        expect(await shown()).to.deep.equal([
          {
            title: "Alice · Team",
            body: "Lunch at one?",
            tag: "chat-12",
            data: { chat_id: 12, message_id: 345 },
          },
        ]),
      10_000,
    );
    await cdp.send("ServiceWorker.deliverPushMessage", {
      origin: node.url,
      registrationId: registrations[0],
      data: "<not json>",
    });
    await eventually(
      async () => expect((await shown()).map((n) => n.title)).to.include("New message"),
      10_000,
    );
  });
});
