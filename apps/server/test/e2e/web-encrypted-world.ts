/**
 * The setting of the encrypted-chat browser tests: a web world (two nodes, nginx, Chromium) per
 * file, pages opened in fresh profiles and checked for thrown errors after each test (their
 * console, texts and the nodes' errors printed when a test failed), and a REST token for a user
 * of the run (to look at what the server stores).
 */
import crypto from "node:crypto";
import { expect } from "chai";
import request from "supertest";
import type { NodeProcess } from "../../src/launcher/node-process.ts";
import { nodeBehindNginx, startWebWorld, type WebWorld } from "./web-fixture.ts";
import { ChatPage, PASSWORD } from "./web-pages.ts";

export function useEncryptedWorld(prefix: string) {
  const tag = crypto.randomUUID().slice(0, 6);
  const pages: ChatPage[] = [];
  const ctx = {
    w: undefined as unknown as WebWorld,
    /** The node behind nginx, and the other one. */
    x: undefined as unknown as NodeProcess,
    y: undefined as unknown as NodeProcess,
    email: (name: string) => `${name.toLowerCase()}-${prefix}-${tag}@example.test`,
    async open(url: string): Promise<ChatPage> {
      const p = await ChatPage.open(ctx.w.browser, url);
      p.page.on("response", async (r) => {
        if (r.status() >= 400)
          p.console.push(
            `HTTP ${r.status()} ${r.request().method()} ${r.url()} ${await r.text().catch(() => "")}`,
          );
      });
      pages.push(p);
      return p;
    },
    /** A bearer header for `name` of this run, from the password grant. */
    async auth(name: string): Promise<{ Authorization: string }> {
      const tok = await request(ctx.x.url)
        .post("/api/v1/token")
        .type("form")
        .send({ username: ctx.email(name), password: PASSWORD })
        .expect(200);
      return { Authorization: `Bearer ${tok.body.access_token}` };
    },
  };

  before(async function () {
    this.timeout(60_000);
    ctx.w = await startWebWorld();
    ctx.x = await nodeBehindNginx(ctx.w);
    ctx.y = ctx.w.nodes.find((n) => n !== ctx.x)!;
  });
  after(async function () {
    this.timeout(30_000);
    await ctx.w?.stop();
  });
  afterEach(async function () {
    // On failure: what each page logged and shows, and the nodes' errors.
    if (this.currentTest?.state === "failed") {
      for (const p of pages) console.log(p.console.join("\n"), await p.texts().catch(() => []));
      for (const n of ctx.w.nodes) console.log(n.logs.filter((l) => /error|500/i.test(l)).join("\n"));
    }
    for (const p of pages)
      expect(p.errors, `errors thrown in a page: ${p.console.join("\n")}`).to.deep.equal([]);
  });
  return ctx;
}

/**
 * Alice opens an encrypted private chat with Bob (found by his email) from the New chat panel; both
 * open it and wait until their devices are in its MLS group. Returns the chat's id.
 */
export async function openEncryptedPrivateChat(alice: ChatPage, bob: ChatPage, bobEmail: string) {
  await alice.page.getByRole("button", { name: "New chat" }).click();
  const panel = alice.page.getByRole("region", { name: "New private chat" });
  await panel.getByLabel("End-to-end encrypted", { exact: true }).check();
  await alice.page.getByLabel("Find people").fill(bobEmail);
  await panel.getByRole("button", { name: "Message" }).click();
  await alice.page.locator("#conversation-title", { hasText: "Bob" }).waitFor();
  const chatId = Number(new URL(alice.page.url()).pathname.split("/").at(-1));
  await bob.chatItem("Alice").waitFor();
  await bob.openChat("Alice");
  for (const p of [alice, bob]) await p.page.locator('[data-e2e="joined"]').waitFor({ timeout: 20_000 });
  return chatId;
}
