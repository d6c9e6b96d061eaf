import { expect } from "chai";
import request from "supertest";
import { eventually } from "../support/wait.ts";
import { openEncryptedPrivateChat, useEncryptedWorld } from "./web-encrypted-world.ts";
import type { ChatPage } from "./web-pages.ts";

/**
 * Encrypted chats in the web app, in Chromium (issue 17): two browser profiles (Alice through
 * nginx, Bob on the other node) each register their device (IndexedDB), Alice starts an encrypted
 * private chat, they exchange messages the server only relays as MLS, receipts still work, and
 * both see the same safety number. Bob's second profile (a new device, on the other node) joins by
 * external commit, cannot read what came before it (and says so), and Alice's conversation and
 * safety-number view warn loudly that Bob's devices changed, without her opening anything first.
 */
describe("web client in Chromium: encrypted chats", function () {
  this.timeout(120_000);
  const world = useEncryptedWorld("e2e");
  const { email, open } = world;

  /** What the server stores of a chat, read over REST as Alice. */
  const stored = async (chatId: number) => {
    const page = await request(world.x.url)
      .get(`/api/v1/chats/${chatId}/messages?after_seq=0&limit=100`)
      .set(await world.auth("alice"))
      .expect(200);
    return page.body.messages as { text: string; mls?: { kind: string } }[];
  };

  it("two profiles talk in an encrypted chat, with receipts and equal safety numbers; a new device is a loud key change, shown unasked", async () => {
    const alice = await open(world.w.nginx.url);
    const bob = await open(world.y.url);
    await alice.register("Alice", email("alice"));
    await bob.register("Bob", email("bob"));

    await alice.page.getByRole("button", { name: "New chat" }).click();
    const panel = alice.page.getByRole("region", { name: "New private chat" });
    await panel.getByLabel("End-to-end encrypted", { exact: true }).check();
    await alice.page.getByLabel("Find people").fill(email("bob"));
    await panel.getByRole("button", { name: "Message" }).click();
    await alice.page.locator("#conversation-title", { hasText: "Bob" }).waitFor();
    // The lock is drawn (an emoji is a box where no emoji font is installed) and has a name.
    await alice.page
      .locator('#conversation-title svg[role="img"][aria-label="End-to-end encrypted"]')
      .waitFor();
    const chatId = Number(new URL(alice.page.url()).pathname.split("/").at(-1));

    // Bob's list shows the chat with its lock; his browser registers its device and joins the
    // group by external commit (Alice's commit made the group, Bob's joins it).
    const item = bob.chatItem("Alice");
    await item.waitFor();
    await item.locator('svg[aria-label="End-to-end encrypted"]').waitFor();
    await bob.openChat("Alice");
    // Bob's device is in the group (from the Welcome of Alice's commit, or by external commit).
    for (const p of [alice, bob]) await p.page.locator('[data-e2e="joined"]').waitFor({ timeout: 20_000 });
    await alice.send("Hello encrypted Bob");
    await bob.bubble("Hello encrypted Bob").waitFor();
    await bob.send("Hi Alice, only we can read this");
    await alice.bubble("Hi Alice, only we can read this").waitFor();
    // Receipts work on metadata: Bob read Alice's message.
    await eventually(async () =>
      expect(await alice.bubble("Hello encrypted Bob").getAttribute("data-state")).to.equal("read"),
    );
    // The server only has ciphertext.
    const rows = await stored(chatId);
    expect(rows.map((m) => m.text).join("")).to.not.include("encrypted Bob");
    expect(rows.filter((m) => m.mls?.kind === "application")).to.have.length(2);
    // Files are encrypted on the device (web-encrypted-files.test.ts): the button is on.
    expect(await bob.page.getByRole("button", { name: "Attach files" }).isDisabled()).to.equal(false);
    await bob.screenshot("encrypted-chat");

    // Safety numbers: the same 60 digits on both sides.
    const numberOf = async (p: ChatPage, name: string) => {
      await p.page.getByRole("button", { name: "Safety numbers" }).click();
      const row = p.page.locator(".safety-row", { hasText: name });
      await row.waitFor();
      return (await row.locator(".safety-number").textContent())!;
    };
    const onAlice = await numberOf(alice, "Bob");
    const onBob = await numberOf(bob, "Alice");
    expect(onAlice).to.match(/^(\d{5} ){11}\d{5}$/);
    expect(onBob).to.equal(onAlice);
    await bob.screenshot("safety-number");
    await alice.page.getByRole("button", { name: "Close" }).click();

    // Bob's second browser profile: a new device, on the other node. It joins by external commit,
    // says honestly that it cannot read what came before it, and reads what comes after.
    const bob2 = await open(world.x.url);
    await bob2.page.getByLabel("Email").waitFor();
    await bob2.login(email("bob"));
    await bob2.openChat("Alice");
    await bob2.page.locator('[data-e2e="joined"]').waitFor({ timeout: 20_000 });
    await bob2.bubble("Sent before this device joined: it cannot be read here.").first().waitFor();
    await alice.send("Bob has a new device");
    await bob2.bubble("Bob has a new device").waitFor();
    await bob.bubble("Bob has a new device").waitFor();

    // Without opening anything, Alice's conversation says that Bob's devices changed.
    const banner = alice.page.locator(".group-alert", {
      hasText: "Bob's devices changed — compare safety numbers.",
    });
    await banner.waitFor();
    // Alice's view of Bob's safety number changed, loudly.
    await banner.getByRole("button", { name: "Compare" }).click();
    const row = alice.page.locator(".safety-row", { hasText: "Bob" });
    await row.getByRole("alert").waitFor();
    expect(await row.getByRole("alert").textContent()).to.include(
      "Bob's devices changed since you last checked (1 added, 0 removed)",
    );
    const changed = (await row.locator(".safety-number").textContent())!;
    expect(changed).to.not.equal(onAlice);
    expect(await numberOf(bob2, "Alice")).to.equal(changed);
    await alice.screenshot("safety-number-changed");
    await row.getByRole("button", { name: "I compared it" }).click();
    await eventually(async () => expect(await row.getByRole("alert").count()).to.equal(0));
    await eventually(async () => expect(await banner.count()).to.equal(0));
  });

  it("a device the server keeps out of Alice's lists joins the group: her browser refuses the commit and says so", async () => {
    const alice = await open(world.w.nginx.url);
    const bob = await open(world.y.url);
    await alice.register("Alice", email("alice2"));
    await bob.register("Bob", email("bob2"));
    await openEncryptedPrivateChat(alice, bob, email("bob2"));
    // A lying server: from now on Alice's browser hears of Bob's devices as they are now only.
    const listed = await request(world.x.url)
      .get("/api/v1/devices")
      .set(await world.auth("bob2"))
      .expect(200);
    const bobs = listed.body.devices as { id: string; user_id: number }[];
    const known = new Set(bobs.map((d) => d.id));
    await alice.page.route(/\/api\/v1\/users\/\d+\/devices$/, async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as { devices: { id: string; user_id: number }[] };
      const devices = body.devices.filter((d) => d.user_id !== bobs[0]!.user_id || known.has(d.id));
      await route.fulfill({ response: res, json: { ...body, devices } });
    });

    const hidden = await open(world.x.url);
    await hidden.page.getByLabel("Email").waitFor();
    await hidden.login(email("bob2"));
    await hidden.openChat("Alice");
    await hidden.page.locator('[data-e2e="joined"]').waitFor({ timeout: 20_000 });
    const alert = alice.page.locator(".group-alert", {
      hasText: "This device refused a change to this chat",
    });
    await alert.waitFor({ timeout: 15_000 });
    expect(await alert.textContent()).to.include("a device of Bob that is not in Bob's device list");
    await alice.screenshot("group-change-refused");
    // What the hidden device sends is not read by Alice's browser.
    await hidden.send("Alice must not read this");
    await bob.bubble("Alice must not read this").waitFor();
    expect(await alice.texts()).to.not.include("Alice must not read this");
  });
});
