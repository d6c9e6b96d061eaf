/**
 * Dark mode (issue 18, item 7) in Chromium: follows prefers-color-scheme, a Settings choice wins
 * and is kept across reloads (applied before the first paint), and both themes pass WCAG AA colour
 * contrast by axe-core on the login page, the chat list with an open conversation (replies mine and
 * theirs, reactions mine and theirs, @mentions in both bubbles, search results with highlights,
 * the offline banner), the touch menu open, and Settings.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { expect } from "chai";
import request from "supertest";
import { createGroup, createUser, uniqueEmail, type TestUser } from "../support/users.ts";
import { sendText } from "../rest/helpers/calls.ts";
import { eventually } from "../support/wait.ts";
import { ROOT_DIR } from "../support/node.ts";
import { startWebWorld, type WebWorld } from "./web-fixture.ts";
import { ChatPage } from "./web-pages.ts";

const axeSource = fs.readFileSync(
  createRequire(path.join(ROOT_DIR, "apps/web/package.json")).resolve("axe-core"),
  "utf8",
);

interface Violation {
  id: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

async function contrastViolations(p: ChatPage): Promise<string[]> {
  if (!(await p.page.evaluate(() => "axe" in window))) await p.page.addScriptTag({ content: axeSource });
  const out = await p.page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(o: object): Promise<{ violations: Violation[] }> } }).axe;
    const r = await axe.run({ runOnly: { type: "rule", values: ["color-contrast"] } });
    return r.violations;
  });
  return out.flatMap((v) => v.nodes.map((n) => `${v.id} ${n.target.join(" ")}: ${n.failureSummary ?? ""}`));
}

describe("dark mode and contrast in Chromium (issue 18: item 7)", function () {
  this.timeout(90_000);
  let w: WebWorld;
  let alice: TestUser, bob: TestUser;
  const pages: ChatPage[] = [];
  /** A page at the app's start in a context of its own (axe-core injected past the CSP). */
  const open = async (opts: Parameters<WebWorld["browser"]["newContext"]>[0]) => {
    const ctx = await w.browser.newContext({
      baseURL: w.nginx.url,
      viewport: { width: 1100, height: 720 },
      bypassCSP: true, // to inject axe-core
      ...opts,
    });
    ctx.setDefaultTimeout(12_000);
    const p = new ChatPage(await ctx.newPage());
    pages.push(p);
    await p.page.goto("/");
    return p;
  };

  before(async function () {
    this.timeout(120_000);
    w = await startWebWorld();
    alice = await createUser(w.nodes[0].url, "Alice", { email: uniqueEmail("alice") });
    bob = await createUser(w.nodes[0].url, "Bob", { email: uniqueEmail("bob") });
    const g = await createGroup(w.nodes[0].url, bob, [alice], "Team");
    const say = async (u: TestUser, text: string, reply_to?: number) =>
      (
        await request(w.nodes[0].url)
          .post(`/api/v1/chats/${g}/messages`)
          .set(u.auth)
          .send({ client_id: crypto.randomUUID(), text, reply_to })
          .expect(201)
      ).body.message as { id: number };
    const react = (u: TestUser, m: { id: number }, emoji: string) =>
      request(w.nodes[0].url)
        .post(`/api/v1/chats/${g}/messages/${m.id}/reactions`)
        .set(u.auth)
        .send({ emoji })
        .expect(200);
    // Seen by Alice: a reply of hers and one of Bob's, a reaction of hers and one of Bob's, an
    // @mention in her bubble and one of her in Bob's.
    const notes = await say(bob, "Morning! Notes are at https://example.org/notes");
    const thanks = await say(alice, "Thanks, reading them now");
    await say(bob, "Tell me what you think", thanks.id);
    await say(alice, "Which section first?", notes.id);
    await say(alice, "@Bob the slides are ready");
    await say(bob, "@Alice bring them along");
    await react(alice, notes, "👍");
    await react(bob, thanks, "🎉");
    await sendText(w.nodes[0].url, bob, g, "See you at ten");
  });
  after(async function () {
    this.timeout(30_000);
    await w?.stop();
  });
  afterEach(() => {
    for (const p of pages) expect(p.errors, "errors thrown in a page").to.deep.equal([]);
  });

  for (const scheme of ["light", "dark"] as const) {
    it(`follows the system's ${scheme} scheme and passes WCAG AA contrast on every page`, async () => {
      const p = await open({ colorScheme: scheme });
      expect(await p.page.evaluate(() => document.documentElement.dataset.theme)).to.equal(scheme);
      const seen: Record<string, string[]> = {};
      seen.login = await contrastViolations(p);
      await p.login(alice.email);
      await p.openChat("Team");
      await p.bubble("See you at ten").waitFor();
      for (const q of ["quote-sender", "quote-text", "mention", "reaction"])
        await eventually(async () =>
          expect(await p.page.locator(`ol.messages .${q}`).count(), q).to.be.greaterThan(1),
        );
      seen.conversation = await contrastViolations(p);
      // Search results with their highlights beside the conversation.
      await p.page.getByRole("searchbox", { name: "Search messages" }).fill("notes");
      await p.page.getByRole("searchbox", { name: "Search messages" }).press("Enter");
      await p.page.locator(".msg-results .hit-snippet mark").first().waitFor();
      seen.search = await contrastViolations(p);
      // The offline banner.
      await p.page.evaluate(() => window.dispatchEvent(new Event("offline")));
      await p.page.locator(".banner", { hasText: "You are offline" }).waitFor();
      seen.offline = await contrastViolations(p);
      await p.page.evaluate(() => window.dispatchEvent(new Event("online")));
      await p.page.getByRole("button", { name: "Settings" }).click();
      await p.page.getByRole("heading", { name: "Settings" }).waitFor();
      seen.settings = await contrastViolations(p);

      // A touch screen: the message menu open on my message and on Bob's.
      const t = await open({
        colorScheme: scheme,
        viewport: { width: 390, height: 800 },
        hasTouch: true,
        isMobile: true,
      });
      await t.login(alice.email);
      await t.openChat("Team");
      for (const text of ["@Bob the slides are ready", "See you at ten"]) {
        const m = t.bubble(text);
        await m.getByRole("button", { name: "Message actions" }).click();
        await m.getByRole("button", { name: "Add a reaction" }).waitFor({ state: "visible" });
      }
      seen.touchMenu = await contrastViolations(t);
      expect(seen).to.deep.equal({
        login: [],
        conversation: [],
        search: [],
        offline: [],
        settings: [],
        touchMenu: [],
      });
    });
  }

  it("the Settings choice wins over the system, is kept across a reload and applied before the first paint", async () => {
    const p = await open({ colorScheme: "light" });
    await p.login(alice.email);
    await p.page.getByRole("button", { name: "Settings" }).click();
    await p.page.getByRole("radio", { name: "Dark" }).check();
    expect(await p.page.evaluate(() => document.documentElement.dataset.theme)).to.equal("dark");
    // Before any module script runs (the boot script in <head>): no white flash.
    await p.page.addInitScript(() => {
      document.addEventListener("readystatechange", () => {
        if (document.readyState === "interactive")
          (window as unknown as { themeAtParse?: string }).themeAtParse =
            document.documentElement.dataset.theme;
      });
    });
    await p.page.reload();
    await p.page.getByRole("heading", { name: "Settings" }).waitFor();
    expect(
      await p.page.evaluate(() => (window as unknown as { themeAtParse?: string }).themeAtParse),
    ).to.equal("dark");
    const bg = await p.page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(bg).to.equal("rgb(15, 17, 21)");
    await p.page.goto("/");
    await p.openChat("Team");
    await p.bubble("See you at ten").waitFor();
    const png = await p.page.screenshot();
    const file = path.join(ROOT_DIR, "docs/screenshots/dark.png");
    if (process.env.UPDATE_SCREENSHOTS === "1" || !fs.existsSync(file)) fs.writeFileSync(file, png);
    // Back to the system's (light) setting.
    await p.page.getByRole("button", { name: "Settings" }).click();
    await p.page.getByRole("radio", { name: "Same as the system" }).check();
    expect(await p.page.evaluate(() => document.documentElement.dataset.theme)).to.equal("light");
  });
});
