/**
 * Sessions in the browser (issue 15), Chromium against two nodes behind nginx whose access tokens
 * live 20 seconds: two minutes of sending and typing in two tabs never show the login form, never
 * drop the socket and lose nothing; the refresh cookie is stored (Secure, HttpOnly) on
 * http://127.0.0.1; the Devices page signs another device out at once (which logs in again and
 * finds its chat and draft); Settings renames and deletes the account.
 */
import crypto from "node:crypto";
import { expect } from "chai";
import type { NodeProcess } from "../../src/launcher/node-process.ts";
import { eventually, sleep } from "../support/wait.ts";
import { nodeBehindNginx, startWebWorld, type WebWorld } from "./web-fixture.ts";
import { ChatPage, PASSWORD } from "./web-pages.ts";

const TOKEN_SECONDS = 20;
const ACTIVITY_MS = 120_000;

/** Counts a page's Socket.IO websockets and auth refreshes, and whether the login form ever shows. */
function watch(p: ChatPage) {
  const seen = { websockets: 0, closed: 0, refreshes: 0 };
  p.page.on("websocket", (ws) => {
    if (!ws.url().includes("/socket.io/")) return;
    seen.websockets++;
    ws.on("close", () => seen.closed++);
  });
  p.page.on("request", (r) => {
    if (r.url().endsWith("/api/v1/auth/refresh")) seen.refreshes++;
  });
  return seen;
}

describe("web sessions in Chromium: 20 s access tokens, devices, settings", function () {
  this.timeout(60_000);
  let w: WebWorld;
  let y: NodeProcess;
  const tag = crypto.randomUUID().slice(0, 6);
  const email = (name: string) => `${name.toLowerCase()}-${tag}@example.test`;
  const pages: ChatPage[] = [];
  const open = async (url: string, viewport?: { width: number; height: number }) => {
    const p = await ChatPage.open(w.browser, url, viewport);
    pages.push(p);
    return p;
  };
  const loginShown = (p: ChatPage) => p.page.getByRole("heading", { name: "Log in" }).count();

  before(async function () {
    this.timeout(60_000);
    w = await startWebWorld({ TEST_ACCESS_TOKEN_SECONDS: String(TOKEN_SECONDS) });
    const x = await nodeBehindNginx(w);
    y = w.nodes.find((n) => n !== x)!;
  });
  after(async function () {
    this.timeout(30_000);
    await w?.stop();
  });
  afterEach(() => {
    for (const p of pages) expect(p.errors, "errors thrown in a page").to.deep.equal([]);
  });

  it("two minutes of activity in two tabs on 20 s tokens: never logged out, no socket dropped, nothing lost", async function () {
    this.timeout(ACTIVITY_MS + 90_000);
    const alice = await open(w.nginx.url);
    const bob = await open(y.url);
    const seenA = watch(alice);
    await alice.register("Alice", email("alice"));
    await bob.register("Bob", email("bob"));

    // Chromium keeps the Secure cookie on http://127.0.0.1 (a secure context), HttpOnly, for the auth path only.
    const cookies = await alice.context.cookies();
    const refresh = cookies.find((c) => c.name === "chat_refresh");
    expect(refresh, JSON.stringify(cookies)).to.include({
      httpOnly: true,
      secure: true,
      sameSite: "Strict",
      path: "/api/v1/auth",
    });
    // Nothing of the refresh token is reachable from the page's script or storage.
    const storage = await alice.page.evaluate(() => JSON.stringify({ ...localStorage }) + document.cookie);
    expect(storage).not.to.include(refresh!.value);

    await alice.startPrivateChat(email("bob"), "Bob");
    // A second tab of the same browser: both renew from one refresh cookie, never racing it.
    const tab2 = new ChatPage(await alice.context.newPage());
    pages.push(tab2);
    const seenT = watch(tab2);
    await tab2.page.goto("/");
    await tab2.page.getByRole("heading", { name: "Chats" }).waitFor();
    await tab2.openChat("Bob");
    await bob.chatItem("Alice").waitFor();
    await bob.openChat("Alice");

    const sentA: string[] = [];
    const sentB: string[] = [];
    const start = Date.now();
    for (let i = 0; Date.now() - start < ACTIVITY_MS; i++) {
      // Alice types slowly (a draft in progress across renewals), then sends.
      const a = `alice ${i}`;
      await alice.composer.pressSequentially(a, { delay: 120 });
      await alice.composer.press("Enter");
      sentA.push(a);
      if (i % 2 === 0) {
        const b = `bob ${i}`;
        await bob.send(b);
        sentB.push(b);
      }
      if (i % 3 === 0) {
        const t = `tab two ${i}`;
        await tab2.send(t);
        sentA.push(t);
      }
      for (const p of [alice, tab2]) expect(await loginShown(p), "sent to the login form").to.equal(0);
      await sleep(1500);
    }
    const all = [...sentA, ...sentB];
    for (const p of [alice, tab2, bob]) {
      await eventually(async () => expect(await p.texts()).to.include.members(all), 10_000);
      // Every message once, and none left pending or failed.
      const texts = await p.texts();
      expect(texts.length, "no duplicates").to.equal(new Set(texts).size);
      expect(await p.page.locator('ol.messages > li[data-state="failed"]').count()).to.equal(0);
    }
    expect(await alice.composer.inputValue()).to.equal("");
    // Two minutes of 20 s tokens: renewed several times, over the one socket each page opened.
    expect(seenA.refreshes + seenT.refreshes, "refreshes").to.be.at.least(ACTIVITY_MS / 1000 / TOKEN_SECONDS);
    expect(seenA, "alice's socket").to.include({ websockets: 1, closed: 0 });
    expect(seenT, "tab two's socket").to.include({ websockets: 1, closed: 0 });
  });

  it("five tabs opening at once share the one-time refresh cookie without tripping reuse detection; logout ends them all", async () => {
    const first = await open(w.nginx.url);
    await first.register("Dave", email("dave"));
    // Each new tab has no access token yet: all refresh from the cookie at the same moment.
    const tabs = await Promise.all(
      [1, 2, 3, 4].map(async () => {
        const t = new ChatPage(await first.context.newPage());
        pages.push(t);
        await t.page.goto("/");
        return t;
      }),
    );
    for (const t of [...tabs, first]) {
      await t.page.getByRole("heading", { name: "Chats" }).waitFor();
      expect(await loginShown(t)).to.equal(0);
    }
    // The session is still alive: a reload refreshes again from the (rotated) cookie.
    await first.page.evaluate(() => sessionStorage.clear());
    await first.page.reload();
    await first.page.getByRole("heading", { name: "Chats" }).waitFor();
    expect(await loginShown(first)).to.equal(0);

    // Log out in one tab: every tab shows the login form, and the cookie is gone.
    await first.page.getByRole("button", { name: "Log out" }).click();
    for (const t of [...tabs, first]) await t.page.getByRole("heading", { name: "Log in" }).waitFor();
    await eventually(async () =>
      expect((await first.context.cookies()).map((c) => c.name)).not.to.include("chat_refresh"),
    );
  });

  it("Devices: signing out another device sends it to the login form at once; it logs in back to its chat and draft", async () => {
    const laptop = await open(w.nginx.url);
    await laptop.login(email("alice"));
    const phone = await open(w.nginx.url, { width: 360, height: 720 });
    await phone.login(email("alice"));
    await phone.openChat("Bob");
    await phone.composer.fill("half-written on the phone");
    await sleep(300);

    await laptop.page.getByRole("button", { name: "Devices" }).click();
    await laptop.page.getByRole("heading", { name: "Devices", exact: true }).waitFor();
    const items = laptop.page.locator("ul.devices > li");
    await eventually(async () => expect(await items.count()).to.be.at.least(3)); // tab(s) of test 1, laptop, phone
    await expect(await laptop.page.locator('li[data-current="true"] .tag').textContent()).to.equal(
      "This device",
    );
    await laptop.screenshot("devices");

    // The phone's session, by the `sid` of the phone's access token (the 20-s tabs of the first
    // test renew on and can be more recently used than the phone).
    const phoneSid = await phone.page.evaluate(() => {
      const { token } = JSON.parse(sessionStorage.getItem("chat.access") ?? "{}") as { token?: string };
      return (
        JSON.parse(atob(token!.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as { sid: string }
      ).sid;
    });
    const before = Date.now();
    await laptop.page
      .locator(`ul.devices > li[data-session="${phoneSid}"]`)
      .getByRole("button", { name: /^Sign out/ })
      .click();
    await phone.page.getByRole("heading", { name: "Log in" }).waitFor({ timeout: 5000 });
    expect(Date.now() - before, "signed out within").to.be.below(3000);
    expect(await phone.page.locator(".form-error").textContent()).to.include("session has ended");
    expect(await loginShown(laptop)).to.equal(0);

    await phone.page.getByLabel("Email").fill(email("alice"));
    await phone.page.getByLabel("Password").fill(PASSWORD);
    await phone.page.getByRole("button", { name: "Log in", exact: true }).click();
    await phone.page.locator("#conversation-title", { hasText: "Bob" }).waitFor();
    expect(await phone.composer.inputValue()).to.equal("half-written on the phone");
  });

  it("Settings: a new name shows at once and after a reload; a new password needs the current one; deleting the account goes to the login form and frees the email", async () => {
    const carol = await open(w.nginx.url, { width: 360, height: 800 });
    await carol.register("Carol", email("carol"));
    await carol.page.getByRole("button", { name: "Settings" }).click();
    await carol.page.getByRole("heading", { name: "Settings" }).waitFor();
    await carol.page.getByLabel("Name", { exact: true }).fill("Caroline");
    await carol.page.getByRole("button", { name: "Save name" }).click();
    await carol.page.getByText("Your name is changed").waitFor();
    await carol.page.reload();
    await carol.page.getByRole("heading", { name: "Settings" }).waitFor();
    expect(await carol.page.getByLabel("Name", { exact: true }).inputValue()).to.equal("Caroline");
    await carol.screenshot("settings");
    await carol.page.getByRole("button", { name: "← Back to chats" }).click();
    expect(await carol.page.locator(".me-name").textContent()).to.equal("Caroline");

    await carol.page.getByRole("button", { name: "Settings" }).click();
    // A new password needs the current one.
    await carol.page.getByLabel("Current password").fill("not my password");
    await carol.page.getByLabel("New password").fill("a brand new password");
    await carol.page.getByRole("button", { name: "Change password" }).click();
    await carol.page.getByText("The current password is wrong").waitFor();
    await carol.page.getByLabel("Current password").fill(PASSWORD);
    await carol.page.getByRole("button", { name: "Change password" }).click();
    await carol.page.getByText("Password changed").waitFor();
    await carol.page.getByText("The current password is wrong").waitFor({ state: "detached" });

    await carol.page.getByLabel("Password to confirm").fill("not my password");
    await carol.page.getByRole("button", { name: "Delete my account" }).click();
    await carol.page.getByText("The current password is wrong").waitFor();
    await carol.page.getByLabel("Password to confirm").fill("a brand new password");
    await carol.page.getByRole("button", { name: "Delete my account" }).click();
    await carol.page.getByRole("heading", { name: "Log in" }).waitFor();
    // The email is free: a new account takes it.
    await carol.register("Carol again", email("carol")).catch(async (err) => {
      throw new Error(
        `${err}\n${await carol.page.locator(".form-error").textContent()}\n${carol.console.join("\n")}`,
      );
    });
    expect(await carol.page.locator(".me-name").textContent()).to.equal("Carol again");
  });
});
