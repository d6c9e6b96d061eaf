import { expect } from "chai";
import request from "supertest";
import { eventually } from "../support/wait.ts";
import { openEncryptedPrivateChat, useEncryptedWorld } from "./web-encrypted-world.ts";
import type { ChatPage } from "./web-pages.ts";

/**
 * Search in encrypted chats (issue 18 item 1), in Chromium across two nodes: the server cannot read
 * them, so they are searched on the device only. Alice (through nginx) writes in an encrypted chat;
 * Bob's browser (the other node) finds it "In" that chat among its decrypted messages, by the
 * start of a word and whatever the case; the search over all chats says it leaves encrypted chats
 * out and finds nothing; the server's search finds nothing and refuses the chat itself.
 */
describe("web client in Chromium: encrypted chats are searched on the device only", function () {
  this.timeout(120_000);
  const world = useEncryptedWorld("search");
  const { email, open } = world;
  const SECRET = "The code word is Marmalade, встречаемся у Фонтана";

  const search = async (p: ChatPage, q: string) => {
    await p.page.getByRole("searchbox", { name: "Search messages" }).fill(q);
    await p.page.getByRole("searchbox", { name: "Search messages" }).press("Enter");
    return p.page.getByRole("list", { name: "Search results" }).locator("li");
  };

  it("a word of an encrypted chat is found on the other member's device, not by the global or the server's search", async () => {
    const alice = await open(world.w.nginx.url);
    const bob = await open(world.y.url);
    await alice.register("Alice", email("alice"));
    await bob.register("Bob", email("bob"));

    const chatId = await openEncryptedPrivateChat(alice, bob, email("bob"));
    await alice.send(SECRET);
    await alice.send("something else entirely");
    await bob.bubble(SECRET).waitFor();
    await bob.bubble("something else entirely").waitFor();

    // In this chat, on Bob's device: a partial word in other case, and two words of two scripts.
    await bob.page.getByLabel("Where to search").selectOption({ label: "In “Alice”" });
    const note = bob.page.locator(".search-note");
    const status = bob.page.locator(".msg-search .search-status");
    for (const [q, marks] of [
      ["MARMA", ["Marma"]],
      ["фонт marmalade", ["Marmalade", "Фонт"]],
    ] as const) {
      const hits = await search(bob, q);
      await eventually(async () => expect(await hits.count()).to.equal(1));
      expect(await hits.first().locator(".hit-snippet").textContent()).to.equal(SECRET);
      expect(await hits.first().locator(".hit-snippet mark").allTextContents()).to.deep.equal(marks);
      expect(await hits.first().locator(".hit-sender").textContent()).to.equal("Alice: ");
      expect(await note.textContent()).to.include("searched on this device only");
    }
    // Only whole-word starts match, as on the server: the middle of a word does not.
    await search(bob, "malade");
    await eventually(async () => expect(await status.textContent()).to.equal("Nothing found in “Alice”"));

    // The result opens the message in its chat.
    const hits = await search(bob, "marma");
    await eventually(async () => expect(await hits.count()).to.equal(1));
    await hits.first().getByRole("button").click();
    await bob.bubble(SECRET).waitFor();

    // Over all chats: said plainly that encrypted chats are left to the device; nothing found.
    await bob.page.getByLabel("Where to search").selectOption({ label: "All chats" });
    await search(bob, "marmalade");
    await eventually(async () => {
      expect(await note.textContent()).to.equal(
        "🔒 Encrypted chats are not searched on the server: open one and search “In” it — on this device only.",
      );
      expect(await status.textContent()).to.equal("Nothing found");
    });
    expect(await bob.page.getByRole("list", { name: "Search results" }).locator("li").count()).to.equal(0);

    // The server never sees the words: its search finds nothing, and refuses the chat itself.
    const auth = await world.auth("bob");
    for (const q of ["marmalade", "marma", "фонтана"]) {
      const all = await request(world.y.url).get("/api/v1/search").query({ q }).set(auth).expect(200);
      expect(all.body).to.deep.equal({ results: [], next_before: null });
    }
    const one = await request(world.x.url)
      .get("/api/v1/search")
      .query({ q: "marmalade", chat_id: chatId })
      .set(auth)
      .expect(409);
    expect(one.body.error.code).to.equal("encrypted_chat");
  });
});
