/**
 * Notifications in the web app (issue 18, items 4-5), Chromium against two nodes behind nginx:
 * Alice browses through nginx (node X), Bob's messages come through node Y.
 *
 * - A hidden tab shows a system notification (window.Notification is recorded by an init script;
 *   "hidden" is the Page Visibility state, overridden by the same script); one per message with
 *   two tabs open; its click opens the chat. A muted chat shows none; an @mention in it does.
 * - The @ picker and the mention highlight; the header's "online" then "last seen …" once Bob's
 *   tabs are all closed, and his typing line clearing with him.
 * - Web Push end to end: the page registers the real /sw.js and subscribes with the server's VAPID
 *   key; the server's push reaches a local push-service stand-in, which decrypts it with the
 *   subscription's keys and hands it to the service worker through the DevTools protocol. The
 *   browser's PushManager is the one stand-in: Chromium's own push service (FCM) is not reachable here.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import request from "supertest";
import webpush from "web-push";
import { PushPayloadSchema } from "@chat/protocol";
import type { NodeProcess } from "../../src/launcher/node-process.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { startPushService, type PushService } from "../support/push-service.ts";
import { eventually } from "../support/wait.ts";
import { nodeBehindNginx, startWebWorld, type WebWorld } from "./web-fixture.ts";
import { ChatPage } from "./web-pages.ts";
import { driveServiceWorker } from "./web-service-worker.ts";
import { launchPersistentChromium, type BrowserContext, type Page } from "../../../web/test/browser.ts";

const VAPID = webpush.generateVAPIDKeys();

type Note = { title: string; body?: string; tag?: string; data?: { chat_id: number; message_id: number } };

/** Runs in every page before the app: records notifications, lets the test hide the tab. */
function recordNotifications() {
  let state: DocumentVisibilityState = "visible";
  Object.defineProperty(Document.prototype, "visibilityState", { configurable: true, get: () => state });
  Object.defineProperty(Document.prototype, "hidden", { configurable: true, get: () => state === "hidden" });
  const w = window as unknown as {
    __setVisibility(v: DocumentVisibilityState): void;
    __notes: Array<Note & { onclick: (() => void) | null }>;
  };
  w.__setVisibility = (v) => {
    state = v;
    document.dispatchEvent(new Event("visibilitychange"));
  };
  w.__notes = [];
  const Real = window.Notification;
  class Recorded {
    onclick: (() => void) | null = null;
    title: string;
    body?: string;
    tag?: string;
    data?: Note["data"];
    constructor(title: string, o: NotificationOptions = {}) {
      this.title = title;
      this.body = o.body;
      this.tag = o.tag;
      this.data = o.data as Note["data"];
      w.__notes.push(this);
    }
    close() {}
    static get permission() {
      return Real.permission;
    }
    static requestPermission() {
      return Real.requestPermission();
    }
  }
  (window as unknown as { Notification: unknown }).Notification = Recorded;
}

/** As an init script's source: tsx names functions and classes with a `__name` helper the page lacks. */
const initScript = <A>(fn: (arg: A) => void, arg?: A) => ({
  content: `var __name = (f) => f; (${fn.toString()})(${JSON.stringify(arg ?? null)});`,
});

const notes = (p: ChatPage): Promise<Note[]> =>
  p.page.evaluate(() =>
    (window as unknown as { __notes: Note[] }).__notes.map(({ title, body, tag, data }) => ({
      title,
      body,
      tag,
      data,
    })),
  );
const setVisibility = (p: ChatPage | Page, v: "visible" | "hidden") =>
  ("page" in p ? p.page : p).evaluate(
    (v) => (window as unknown as { __setVisibility(v: string): void }).__setVisibility(v),
    v,
  );

describe("web notifications in Chromium: 2 nodes behind nginx", function () {
  this.timeout(60_000);
  let w: WebWorld;
  let x: NodeProcess;
  let y: NodeProcess;
  let service: PushService;
  let a: TestUser;
  let b: TestUser;
  let privateId: number;
  let teamId: number;
  let alice: ChatPage;
  let alice2: ChatPage;
  const pages: ChatPage[] = [];

  const say = (from: TestUser, chatId: number, text: string) =>
    request(y.url)
      .post(`/api/v1/chats/${chatId}/messages`)
      .set(from.auth)
      .send({ client_id: crypto.randomUUID(), text })
      .expect(201)
      .then((r) => r.body.message as { id: number });
  const allNotes = async () => [...(await notes(alice)), ...(await notes(alice2))];

  before(async function () {
    this.timeout(90_000);
    w = await startWebWorld({
      VAPID_PUBLIC_KEY: VAPID.publicKey,
      VAPID_PRIVATE_KEY: VAPID.privateKey,
      VAPID_SUBJECT: "mailto:ops@example.test",
    });
    service = await startPushService();
    x = await nodeBehindNginx(w);
    y = w.nodes.find((n) => n !== x)!;
    a = await createUser(x.url, "Alice");
    b = await createUser(y.url, "Bob");
    teamId = await createGroup(y.url, b, [a], "Team");
    privateId = (
      await request(y.url)
        .post("/api/v1/chats")
        .set(b.auth)
        .send({ chat_type: "private", member_ids: [a.id] })
        .expect(201)
    ).body.chat_id;
  });
  after(async function () {
    this.timeout(30_000);
    await service?.close();
    await w?.stop();
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed")
      for (const p of pages) console.log(p.console.filter((l) => /DBG|Push|error/i.test(l)).join("\n"));
    for (const p of pages) expect(p.errors, "errors thrown in a page").to.deep.equal([]);
  });

  it("a hidden tab shows one notification per message (two tabs open); its click opens the chat", async () => {
    const ctx = await w.browser.newContext({ baseURL: w.nginx.url, viewport: { width: 1100, height: 720 } });
    ctx.setDefaultTimeout(12_000);
    await ctx.grantPermissions(["notifications"], { origin: w.nginx.url });
    await ctx.addInitScript(initScript(recordNotifications));
    alice = new ChatPage(await ctx.newPage());
    pages.push(alice);
    await alice.page.goto("/");
    await alice.login(a.email);
    alice2 = await alice.newTab();
    pages.push(alice2);
    await alice.openChat("Team");
    // In view: nothing is announced.
    await say(b, privateId, "while you look");
    await alice.chatItem("Bob").locator(".preview", { hasText: "while you look" }).waitFor();
    expect(await allNotes()).to.deep.equal([]);

    await setVisibility(alice, "hidden");
    await setVisibility(alice2, "hidden");
    const m = await say(b, privateId, "Are you there?");
    await eventually(async () =>
      expect(await allNotes()).to.deep.equal([
        {
          title: "Bob",
          body: "Are you there?",
          tag: `chat-${privateId}`,
          data: { chat_id: privateId, message_id: m.id },
        },
      ]),
    );
    // The other tab did not show it too.
    await new Promise((r) => setTimeout(r, 500));
    expect(await allNotes()).to.have.length(1);

    const holder = (await notes(alice)).length === 1 ? alice : alice2;
    await holder.page.evaluate(() =>
      (window as unknown as { __notes: Array<{ onclick(): void }> }).__notes[0].onclick(),
    );
    await holder.page.locator("#conversation-title", { hasText: /^Bob$/ }).waitFor();
    expect(new URL(holder.page.url()).pathname).to.equal(`/c/${privateId}`);
  });

  it("a muted chat shows none; an @mention of me in it does, highlighted", async () => {
    await setVisibility(alice, "visible");
    await setVisibility(alice2, "visible");
    await alice.openChat("Team");
    await alice.page.getByRole("button", { name: "🔔 Mute" }).click();
    await alice.page.getByRole("button", { name: "🔕 Unmute" }).waitFor();
    // Kept on the server, shown in the list (also in the other tab after a reload).
    const list = await request(x.url).get("/api/v1/chats").set(a.auth).expect(200);
    expect(list.body.chats.find((c: { id: number }) => c.id === teamId).muted_until).to.equal("forever");
    await alice.chatItem("Team").getByRole("img", { name: "muted" }).waitFor();
    await alice2.page.reload();
    await alice2.chatItem("Team").getByRole("img", { name: "muted" }).waitFor();
    expect(await alice2.chatItem("Bob").getByRole("img", { name: "muted" }).isVisible()).to.equal(false);

    const before = (await allNotes()).length;
    await setVisibility(alice, "hidden");
    await setVisibility(alice2, "hidden");
    await say(b, teamId, "quiet please");
    await alice.bubble("quiet please").waitFor(); // delivered, and nothing shown
    await new Promise((r) => setTimeout(r, 500));
    expect(await allNotes()).to.have.length(before);

    await say(b, teamId, "@Alice look at this");
    await eventually(async () => {
      const all = await allNotes();
      expect(all).to.have.length(before + 1);
      expect(all.at(-1)).to.include({
        title: "Bob · Team",
        body: "@ @Alice look at this",
        tag: `chat-${teamId}`,
      });
    });
    await expect(await alice.bubble("@Alice look at this").locator(".mention").textContent()).to.equal(
      "@Alice",
    );
  });

  it("a mute in one tab shows in my tab on the other node at once (no reload): button, list icon, notifications", async () => {
    // Alice's second device talks to node Y directly; her tabs above go through nginx to node X.
    const ctx = await w.browser.newContext({ baseURL: y.url, viewport: { width: 1100, height: 720 } });
    ctx.setDefaultTimeout(12_000);
    await ctx.grantPermissions(["notifications"], { origin: y.url });
    await ctx.addInitScript(initScript(recordNotifications));
    const other = new ChatPage(await ctx.newPage());
    pages.push(other);
    try {
      await other.page.goto("/");
      await other.login(a.email);
      await other.openChat("Team");
      await other.page.getByRole("button", { name: "🔕 Unmute" }).waitFor(); // muted by the test above
      await setVisibility(alice, "visible");
      await alice.openChat("Team");
      const mutedIcon = (p: ChatPage) => p.chatItem("Team").getByRole("img", { name: "muted" });

      // Unmuted on node X: node Y's tab shows it and notifies again.
      await alice.page.getByRole("button", { name: "🔕 Unmute" }).click();
      await other.page.getByRole("button", { name: "🔔 Mute" }).waitFor({ timeout: 5000 });
      await mutedIcon(other).waitFor({ state: "hidden", timeout: 5000 });
      await setVisibility(other, "hidden");
      await say(b, teamId, "heard again");
      await eventually(async () =>
        expect((await notes(other)).map((n) => n.body)).to.deep.equal(["heard again"]),
      );

      // Muted on node Y: node X's tabs (the open one and the other) show it, and stay quiet.
      await setVisibility(other, "visible");
      await other.page.getByRole("button", { name: "🔔 Mute" }).click();
      await alice.page.getByRole("button", { name: "🔕 Unmute" }).waitFor({ timeout: 5000 });
      await mutedIcon(alice).waitFor({ timeout: 5000 });
      await mutedIcon(alice2).waitFor({ timeout: 5000 });
      await setVisibility(other, "hidden");
      const before = (await allNotes()).length;
      await setVisibility(alice, "hidden");
      await say(b, teamId, "quiet again");
      await other.bubble("quiet again").waitFor();
      await alice.bubble("quiet again").waitFor();
      await new Promise((r) => setTimeout(r, 500));
      expect(await allNotes()).to.have.length(before);
      expect((await notes(other)).map((n) => n.body)).to.deep.equal(["heard again"]);
    } finally {
      await ctx.close();
    }
  });

  it("typing @ offers the members; the picked name is sent as a mention", async () => {
    await setVisibility(alice, "visible");
    await alice.openChat("Team");
    await alice.composer.fill("");
    await alice.composer.pressSequentially("hi @Bo");
    const option = alice.page.getByRole("option", { name: "Bob" });
    await option.waitFor();
    await alice.composer.press("Enter"); // picks, does not send
    expect(await alice.composer.inputValue()).to.equal("hi @Bob ");
    await alice.composer.pressSequentially("ready?");
    await alice.composer.press("Enter");
    await alice.bubble("hi @Bob ready?").waitFor();
    expect(await alice.bubble("hi @Bob ready?").locator(".mention").textContent()).to.equal("@Bob");
    await alice.screenshot("mention");
  });

  it('the header says "online", then "last seen …" once Bob closes all his tabs; his typing line goes with him', async () => {
    const bob = await ChatPage.open(w.browser, y.url);
    await bob.login(b.email);
    await alice.openChat("Bob");
    const subtitle = alice.page.locator(".conversation-head .subtitle");
    await eventually(async () => expect(await subtitle.textContent()).to.equal("online"));
    await bob.openChat("Alice");
    await bob.composer.pressSequentially("still typ");
    const typing = alice.page.locator(".typing-line");
    await eventually(async () => expect(await typing.textContent()).to.equal("Bob is typing…"));
    await bob.context.close();
    // Well before the 6-s expiry of a typing note that was never stopped.
    await eventually(async () => {
      expect(await typing.textContent()).to.equal("");
      expect(await subtitle.textContent()).to.match(/^last seen (now|\d+ seconds? ago|1 minute ago)$/);
    }, 4000);
    await alice.screenshot("last-seen");
    // A group says how many are online.
    await alice.openChat("Team");
    await eventually(async () => expect(await subtitle.textContent()).to.equal("2 members, 1 online"));
    await alice.context.close();
  });

  it("Web Push end to end: the page subscribes through /sw.js; a push reaches the worker and shows; none while looking", async () => {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "push-profile-"));
    const sub = service.subscription(`web-${crypto.randomUUID()}`);
    let ctx: BrowserContext | undefined;
    try {
      ctx = await launchPersistentChromium(profile, { baseURL: w.nginx.url });
      ctx.setDefaultTimeout(12_000);
      await ctx.grantPermissions(["notifications"], { origin: w.nginx.url });
      await ctx.addInitScript(initScript(recordNotifications));
      // The browser's push service is the stand-in: PushManager answers the stand-in's subscription.
      await ctx.addInitScript(
        initScript(
          (s: { endpoint: string; keys: { p256dh: string; auth: string } }) => {
            const rec = { key: "", unsubscribed: 0 };
            (window as unknown as { __push: typeof rec }).__push = rec;
            let current: object | null = null;
            PushManager.prototype.subscribe = async function (o?: PushSubscriptionOptionsInit) {
              const key = new Uint8Array(o!.applicationServerKey as ArrayBuffer);
              rec.key = btoa(String.fromCharCode(...key))
                .replace(/\+/g, "-")
                .replace(/\//g, "_")
                .replace(/=+$/, "");
              current = {
                endpoint: s.endpoint,
                options: { applicationServerKey: key.buffer, userVisibleOnly: true },
                toJSON: () => ({ endpoint: s.endpoint, expirationTime: null, keys: s.keys }),
                unsubscribe: async () => {
                  rec.unsubscribed++;
                  current = null;
                  return true;
                },
              };
              return current as PushSubscription;
            };
            PushManager.prototype.getSubscription = async () => current as PushSubscription | null;
          },
          { endpoint: sub.endpoint, keys: sub.keys },
        ),
      );
      const page = new ChatPage(ctx.pages()[0] ?? (await ctx.newPage()));
      pages.push(page);
      await page.page.goto("/");
      await page.login(a.email);
      // Subscribed with the server's key, and the server has it (Settings says so).
      await page.page.goto("/settings");
      await page.page.getByText("On, also when no tab of the chat is open").waitFor();
      expect(
        await page.page.evaluate(() => (window as unknown as { __push: { key: string } }).__push.key),
      ).to.equal(VAPID.publicKey);
      expect(await page.page.getByRole("switch", { name: /Notify me/ }).isChecked()).to.equal(true);
      await page.screenshot("notification-settings");

      const sw = await driveServiceWorker(ctx, page.page, w.nginx.url);

      // Looking at the chat: no push for it.
      const at = new URL(sub.endpoint).pathname;
      await page.page.goto(`/c/${privateId}`);
      await page.page.locator("#conversation-title", { hasText: /^Bob$/ }).waitFor();
      await new Promise((r) => setTimeout(r, 1000)); // the socket is up and has said what it shows
      await say(b, privateId, "seen live");
      await page.bubble("seen live").waitFor();
      await new Promise((r) => setTimeout(r, 1000));
      expect(service.at(at)).to.have.length(0);

      // Hidden: the server pushes; the stand-in decrypts it and the worker shows it.
      await setVisibility(page.page, "hidden");
      await new Promise((r) => setTimeout(r, 300)); // presence:viewing null reaches the node
      const m = await say(b, privateId, "pushed to you");
      await eventually(() => expect(service.at(at)).to.have.length(1), 10_000);
      const payload = PushPayloadSchema.parse(JSON.parse(sub.decrypt(service.at(at)[0].body)));
      expect(payload).to.include({
        chat_id: privateId,
        message_id: m.id,
        sender_name: "Bob",
        preview: "pushed to you",
      });
      await sw.push(JSON.stringify(payload));
      await eventually(
        async () =>
          expect(await sw.shown()).to.deep.equal([
            {
              title: "Bob",
              body: "pushed to you",
              tag: `chat-${privateId}`,
              data: { chat_id: privateId, message_id: m.id },
            },
          ]),
        10_000,
      );
      // The page left it to the worker: no second notification of its own.
      expect(await notes(page)).to.deep.equal([]);

      // Turned off: the browser's subscription and the server's are gone; no more pushes.
      await setVisibility(page.page, "visible");
      await page.page.goto("/settings");
      await page.page.getByRole("switch", { name: /Notify me/ }).uncheck();
      await eventually(async () =>
        expect(
          await page.page.evaluate(
            () => (window as unknown as { __push: { unsubscribed: number } }).__push.unsubscribed,
          ),
        ).to.equal(1),
      );
      await setVisibility(page.page, "hidden");
      await say(b, privateId, "after turning off");
      await new Promise((r) => setTimeout(r, 1000));
      expect(service.at(at)).to.have.length(1);
    } finally {
      await ctx?.close();
      fs.rmSync(profile, { recursive: true, force: true });
    }
  });
});
