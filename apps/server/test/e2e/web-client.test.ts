import crypto from "node:crypto";
import { expect } from "chai";
import pg from "pg";
import type { NodeProcess } from "../../src/launcher/node-process.ts";
import { createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { nodeBehindNginx, startWebWorld, type WebWorld } from "./web-fixture.ts";
import { ChatPage, PASSWORD } from "./web-pages.ts";

/**
 * The browser client end to end: Chromium pages against two nodes behind the project's nginx.
 * Alice browses through nginx (so to node X); Bob and Carol open node Y and node X directly, so
 * every conversation crosses nodes through Redis. The tests build on each other in order (users,
 * then chats), and the last one kills node X under Alice's open page.
 */
describe("web client in Chromium: 2 nodes behind nginx", function () {
  this.timeout(30_000);
  let w: WebWorld;
  let x: NodeProcess; // the node nginx sends this machine to
  let y: NodeProcess;
  const tag = crypto.randomUUID().slice(0, 6);
  const email = (name: string) => `${name.toLowerCase()}-${tag}@example.test`;
  const pages: ChatPage[] = [];
  let alice: ChatPage;
  let bob: ChatPage;
  let carol: ChatPage;
  const open = async (url: string, viewport?: { width: number; height: number }) => {
    const p = await ChatPage.open(w.browser, url, viewport);
    pages.push(p);
    return p;
  };

  before(async function () {
    this.timeout(60_000);
    w = await startWebWorld();
    x = await nodeBehindNginx(w);
    y = w.nodes.find((n) => n !== x)!;
  });
  after(async function () {
    this.timeout(30_000);
    await w?.stop();
  });
  afterEach(() => {
    for (const p of pages) {
      expect(p.errors, "errors thrown in a page").to.deep.equal([]);
      expect(p.console.filter((l) => l.includes("Content Security Policy"))).to.deep.equal([]);
    }
  });

  it("two users on different nodes register, chat privately and see ✓ then ✓✓", async () => {
    alice = await open(w.nginx.url);
    bob = await open(y.url);
    await alice.page.getByRole("heading", { name: "Log in" }).waitFor();
    await alice.screenshot("login");
    await alice.register("Alice", email("alice"));
    await bob.register("Bob", email("bob"));

    await alice.startPrivateChat(email("bob"), "Bob");
    await alice.send("Hello Bob");
    // Stored (✓), and not read yet: Bob has not opened the chat.
    await eventually(async () =>
      expect(await alice.bubble("Hello Bob").getAttribute("data-state")).to.equal("sent"),
    );
    await expect(await alice.bubble("Hello Bob").locator(".tick").textContent()).to.equal("✓");

    // Bob's list shows the new chat live, with the message and one unread.
    const item = bob.chatItem("Alice");
    await item.waitFor();
    await eventually(async () => {
      expect(await item.locator(".preview").textContent()).to.equal("Alice: Hello Bob");
      expect(await item.locator(".badge").textContent()).to.equal("1");
    });
    await bob.screenshot("chat-list");
    expect(await alice.bubble("Hello Bob").getAttribute("data-state")).to.equal("sent");

    await bob.openChat("Alice");
    await bob.bubble("Hello Bob").waitFor();
    expect(await bob.bubble("Hello Bob").getAttribute("class")).to.contain("theirs");
    await eventually(async () =>
      expect(await alice.bubble("Hello Bob").getAttribute("data-state")).to.equal("read"),
    );
    expect(await alice.bubble("Hello Bob").locator(".tick").textContent()).to.equal("✓✓");
    expect(await item.locator(".badge").isHidden()).to.equal(true);

    // Shift+Enter is a new line, Enter sends.
    await bob.composer.fill("Hi Alice!");
    await bob.composer.press("Shift+Enter");
    await bob.composer.pressSequentially("How are you?");
    await bob.composer.press("Enter");
    await alice.bubble("Hi Alice!\nHow are you?").waitFor();
    await alice.send("Great, thanks");
    await eventually(async () =>
      expect(await alice.bubble("Great, thanks").getAttribute("data-state")).to.equal("read"),
    );
    expect(await alice.texts()).to.deep.equal(["Hello Bob", "Hi Alice!\nHow are you?", "Great, thanks"]);
    expect(await bob.texts()).to.deep.equal(["Hello Bob", "Hi Alice!\nHow are you?", "Great, thanks"]);
    await alice.screenshot("conversation");
  });

  it("a group of three: live messages, a per-member read-by list, typing, members added and removed", async () => {
    carol = await open(x.url);
    await carol.register("Carol", email("carol"));

    const a = alice.page;
    await a.getByRole("button", { name: "New group" }).click();
    await a.getByLabel("Group name").fill("Weekend plans");
    const form = a.getByRole("region", { name: "New group" });
    for (const who of ["bob", "carol"]) {
      await form.getByLabel("Add people").fill(email(who));
      await form.getByRole("button", { name: "Add", exact: true }).click();
    }
    await form.getByRole("button", { name: "Create group" }).click();
    await a.locator("#conversation-title", { hasText: "Weekend plans" }).waitFor();
    await alice.send("Who is in for Saturday?");
    await eventually(async () =>
      expect(await alice.bubble("Who is in for Saturday?").getAttribute("data-state")).to.equal("sent"),
    );

    await bob.openChat("Weekend plans");
    await bob.bubble("Who is in for Saturday?").waitFor();
    const bubble = alice.bubble("Who is in for Saturday?");
    await eventually(async () =>
      expect(await bubble.locator(".read-by").textContent()).to.equal("Read by Bob"),
    );
    // Carol has not read it: still ✓, not ✓✓.
    expect(await bubble.getAttribute("data-state")).to.equal("sent");

    await carol.openChat("Weekend plans");
    await eventually(async () => {
      expect(await bubble.locator(".read-by").textContent()).to.equal("Read by Bob and Carol");
      expect(await bubble.getAttribute("data-state")).to.equal("read");
    });

    // Typing shows on the others' screens, then a message from that member.
    await carol.composer.pressSequentially("Me");
    await a.locator(".typing-line", { hasText: "Carol is typing…" }).waitFor();
    await carol.composer.press("Enter");
    const fromCarol = alice.bubble("Me");
    await fromCarol.waitFor();
    expect(await fromCarol.locator(".sender").textContent()).to.equal("Carol");
    await eventually(async () => expect(await a.locator(".typing-line").textContent()).to.equal(""));
    await alice.send("Great, see you there");
    await eventually(async () =>
      expect(await alice.bubble("Great, see you there").locator(".read-by").textContent()).to.equal(
        "Read by Bob and Carol",
      ),
    );
    await a.getByRole("button", { name: "Members" }).click();
    const panel = a.getByRole("region", { name: "Members" });
    await panel.getByText("Carol", { exact: true }).waitFor();
    await alice.screenshot("group-read-by");

    // The owner removes Carol: the chat leaves her list at once; added back, it returns.
    await panel.getByRole("button", { name: "Remove Carol" }).click();
    await carol.chatItem("Weekend plans").waitFor({ state: "detached" });
    await eventually(async () =>
      expect(await a.locator(".subtitle").textContent()).to.match(/^2 members, [12] online$/),
    );
    await panel.getByLabel("Add people").fill(email("carol"));
    await panel.getByRole("button", { name: "Add", exact: true }).click();
    await carol.chatItem("Weekend plans").waitFor();
    await alice.send("Welcome back, Carol");
    await eventually(async () =>
      expect(await carol.chatItem("Weekend plans").locator(".preview").textContent()).to.equal(
        "Alice: Welcome back, Carol",
      ),
    );
    // Bob (a plain member) may not remove anyone.
    await bob.page.getByRole("button", { name: "Members" }).click();
    await bob.page.getByRole("region", { name: "Members" }).getByText("Alice", { exact: true }).waitFor();
    expect(await bob.page.getByRole("button", { name: /^Remove / }).count()).to.equal(0);
  });

  it("one user with two tabs: sends, reads, edits and deletes show in both", async () => {
    // Two tabs of one window: only the front one is visible (and reads); each is brought to the
    // front before it is used, as a person would.
    const tab2 = await alice.newTab();
    pages.push(tab2);
    await tab2.openChat("Bob");
    await alice.page.bringToFront();
    await alice.openChat("Bob");
    await alice.send("Sent from tab 1");
    await tab2.bubble("Sent from tab 1").waitFor();
    expect(await tab2.bubble("Sent from tab 1").getAttribute("class")).to.contain("mine");

    // Tab 1 looks at the group; Bob writes in the private chat; tab 2 (looking at it) reads it,
    // so tab 1 shows no unread for it either.
    await alice.openChat("Weekend plans");
    await tab2.page.bringToFront();
    await bob.openChat("Alice");
    await bob.send("Both tabs should see this");
    await tab2.bubble("Both tabs should see this").waitFor();
    const inTab1 = alice.chatItem("Bob");
    await eventually(async () => {
      expect(await inTab1.locator(".preview").textContent()).to.equal("Bob: Both tabs should see this");
      expect(await inTab1.locator(".badge").isHidden()).to.equal(true);
    });

    // Edit in tab 2: tab 1 and Bob see the new text. Delete in tab 1: gone everywhere.
    await alice.page.bringToFront();
    await alice.openChat("Bob");
    const mine = tab2.bubble("Sent from tab 1");
    await tab2.page.bringToFront();
    await mine.hover();
    await mine.getByRole("button", { name: "Edit message" }).click();
    const editor = tab2.page.getByRole("textbox", { name: "Edit message" });
    await editor.fill("Edited in tab 2");
    await editor.press("Enter");
    for (const p of [alice, bob]) await p.bubble("Edited in tab 2").locator(".edited").waitFor();
    const edited = alice.bubble("Edited in tab 2");
    await alice.page.bringToFront();
    await edited.hover();
    await edited.getByRole("button", { name: "Delete message" }).click();
    await alice.page
      .getByRole("group", { name: "Delete this message?" })
      .getByRole("button", { name: "Delete" })
      .click();
    for (const p of [alice, tab2, bob]) {
      await p.bubble("Message deleted").waitFor();
      expect(await p.bubble("Edited in tab 2").count()).to.equal(0);
    }
    await tab2.page.close();
  });

  it("loads older history as you scroll up, each message once and in order", async function () {
    this.timeout(40_000);
    // 130 messages from Carol to Bob, written through the REST API before Bob opens the chat.
    const api = async (path: string, body: unknown, token?: string) => {
      const res = await fetch(`${y.url}${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
      expect(res.status, path).to.be.oneOf([200, 201]);
      return res.json();
    };
    const { access_token: token } = await api("/api/v1/token", {
      username: email("carol"),
      password: PASSWORD,
    });
    const bobId = await bob.page.evaluate(() => {
      const ls = (globalThis as unknown as { localStorage: { getItem(k: string): string | null } })
        .localStorage;
      return (JSON.parse(ls.getItem("chat.session")!) as { user: { id: number } }).user.id;
    });
    const { chat_id: chatId } = await api(
      "/api/v1/chats",
      { chat_type: "private", member_ids: [bobId] },
      token,
    );
    const all = Array.from({ length: 130 }, (_, i) => `history ${i + 1}`);
    for (const text of all)
      await api(`/api/v1/chats/${chatId}/messages`, { client_id: crypto.randomUUID(), text }, token);

    // A fresh page: what it shows of the chat comes from the server, not from live delivery.
    await bob.page.reload();
    await bob.chatItem("Carol").waitFor();
    await eventually(async () =>
      expect(await bob.chatItem("Carol").locator(".badge").textContent()).to.equal("99+"),
    );
    // Read on another device of Bob's: the chat opens at its newest page (with unread messages
    // beyond the first page it would open at the first unread instead: web-quality.test.ts).
    const { access_token: bobToken } = await api("/api/v1/token", {
      username: email("bob"),
      password: PASSWORD,
    });
    const read = await fetch(`${y.url}/api/v1/chats/${chatId}/read`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${bobToken}` },
      body: JSON.stringify({ seq: all.length }),
    });
    expect(read.status).to.equal(200);
    await bob.page.reload();
    await bob.chatItem("Carol").waitFor();
    await bob.openChat("Carol");
    await bob.bubble("history 130").waitFor();
    const first = await bob.texts();
    expect(first.length).to.be.below(all.length); // one page, not everything
    expect(first).to.deep.equal(all.slice(-first.length));
    const scroller = bob.page.locator(".scroller");
    await scroller.evaluate((el) => (el.scrollTop = 0));
    await eventually(async () => expect((await bob.texts()).length).to.be.above(first.length));
    // The view stays on what the reader was looking at instead of jumping to the loaded top.
    expect(await scroller.evaluate((el) => el.scrollTop)).to.be.above(200);
    await eventually(async () => {
      await scroller.evaluate((el) => (el.scrollTop = 0));
      expect(await bob.texts()).to.deep.equal(all);
    }, 15_000);
    await bob.page.getByRole("button", { name: "Load older messages" }).waitFor({ state: "hidden" });
  });

  it("renders an <img onerror> name and message as text, running nothing", async () => {
    const payload = `<img src=x onerror="globalThis.__xss=1">`;
    const mallory = await open(y.url);
    await mallory.register(payload, email("mallory"));
    await mallory.startPrivateChat(email("bob"), "Bob");
    const text = `${payload}<script>globalThis.__xss=2</script><b>bold?</b>`;
    await mallory.send(text);
    await bob.chatItem(payload).waitFor();
    await bob.openChat(payload);
    await bob.bubble(text).waitFor();
    expect(await bob.bubble(text).locator(".sender").textContent()).to.equal(payload);
    for (const p of [bob, mallory]) {
      expect(await p.page.evaluate(() => (globalThis as Record<string, unknown>).__xss)).to.equal(undefined);
      expect(await p.page.locator("#app img, #app script, #app b").count()).to.equal(0);
    }
    // Presence: Mallory's dot in Bob's list is green while her page is open, grey once it closes.
    const dot = bob.chatItem(payload).locator(".dot");
    await eventually(async () => expect(await dot.getAttribute("class")).to.equal("dot online"));
    await mallory.context.close();
    pages.splice(pages.indexOf(mallory), 1);
    await eventually(async () => expect(await dot.getAttribute("class")).to.equal("dot offline"));
  });

  it("is usable 360 px wide; a stored sign-in whose refresh is refused leads to the login form", async () => {
    const phone = await open(y.url, { width: 360, height: 740 });
    await phone.login(email("bob"));
    await phone.chatItem("Alice").waitFor();
    const overflow = () =>
      phone.page.evaluate(() => {
        const doc = (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } })
          .document;
        return doc.documentElement.scrollWidth;
      });
    expect(await overflow()).to.be.at.most(360);
    // One column: the list, then the conversation with a way back.
    expect(await phone.page.locator(".conversation").isHidden()).to.equal(true);
    await phone.openChat("Alice");
    expect(await phone.page.locator(".sidebar").isHidden()).to.equal(true);
    await phone.bubble("Both tabs should see this").waitFor();
    expect(await overflow()).to.be.at.most(360);
    await phone.screenshot("mobile");
    await phone.page.getByRole("button", { name: "Back to chats" }).click();
    await phone.chatItem("Alice").waitFor();

    const stale = await open(y.url);
    await stale.page.evaluate(() => {
      const store = (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } })
        .localStorage;
      store.setItem(
        "chat.session",
        // Signed in as far as the page knows, but this browser has no refresh cookie.
        JSON.stringify({ user: { id: 1, name: "x", email: "x@y.z" } }),
      );
    });
    await stale.page.reload();
    await stale.page.getByRole("alert").filter({ hasText: "Your session has ended" }).waitFor();
    await stale.page.getByRole("button", { name: "Log in", exact: true }).waitFor();
  });

  it("a user in 1,200 chats sees every one of them: the list's later pages follow the first", async function () {
    this.timeout(60_000);
    const many = await createUser(w.nginx.url, "Many", { email: email("many") });
    const db = new pg.Client({ connectionString: w.databaseUrl });
    await db.connect();
    try {
      // Straight into the database (1,200 chats through the API would be the test): names with
      // their number, each with one message, the oldest activity last.
      const { rows } = await db.query<{ id: number }>(
        `INSERT INTO chats (type, name, owner_id, last_seq, activity_at)
         SELECT 'group', 'Crowd ' || g, $1, 1, now() - g * interval '1 second' FROM generate_series(1, 1200) g
         RETURNING id`,
        [many.id],
      );
      const ids = rows.map((r) => r.id);
      await db.query(
        `INSERT INTO chat_members (chat_id, user_id, role) SELECT c, $2, 'owner' FROM unnest($1::int[]) c`,
        [ids, many.id],
      );
      await db.query(
        `INSERT INTO messages (chat_id, seq, sender_id, client_id, text)
         SELECT c, 1, $2, gen_random_uuid(), 'one of many' FROM unnest($1::int[]) c`,
        [ids, many.id],
      );
    } finally {
      await db.end();
    }
    const page = await open(y.url);
    await page.login(email("many"));
    await page.chatItem("Crowd 1").waitFor();
    // The first page is about 500 chats (the answer budget); the oldest is on the third.
    await eventually(
      async () => expect(await page.page.locator(".chat-list > li").count()).to.equal(1200),
      20_000,
    );
    await page.chatItem("Crowd 1200").waitFor();
    await page.openChat("Crowd 1200");
    await page.bubble("one of many").waitFor();
  });

  it("recovers when its node is SIGKILLed mid-conversation: every message once, in order", async function () {
    this.timeout(45_000);
    await alice.openChat("Bob");
    await bob.openChat("Alice");
    const before = await alice.texts();
    await alice.send("before the crash");
    await bob.bubble("before the crash").waitFor();

    // The node dies, and Alice's network is down for a moment (so the outage is certain to
    // cover what follows, however fast nginx would move her to the surviving node).
    await alice.context.setOffline(true);
    await x.kill("SIGKILL");
    await alice.page.getByRole("status").filter({ hasText: "offline" }).waitFor();
    // Meanwhile Bob (on the other node) writes, and so does Alice: hers waits, visibly.
    await bob.send("while you were away 1");
    await bob.send("while you were away 2");
    await alice.send("sent during the outage");
    const queued = alice.bubble("sent during the outage");
    expect(await queued.getAttribute("data-state")).to.equal("queued");
    expect(await queued.locator(".queued-row").textContent()).to.equal(
      "Will be sent when the connection is back",
    );

    // Back online: nginx takes her to the surviving node; the page syncs by seq and sends hers.
    await alice.context.setOffline(false);
    await alice.page.getByRole("status").waitFor({ state: "hidden", timeout: 20_000 });
    await alice.send("after the crash");
    const expected = [
      ...before,
      "before the crash",
      "while you were away 1",
      "while you were away 2",
      "sent during the outage",
      "after the crash",
    ];
    await eventually(async () => {
      const got = await alice.texts();
      expect([...got].sort(), alice.console.join("\n")).to.deep.equal([...expected].sort());
    }, 20_000);
    await eventually(
      async () => expect([...(await bob.texts())].sort()).to.deep.equal([...expected].sort()),
      10_000,
    );
    // Same order on both screens (by seq), and each of Alice's sends stored once with ✓ or ✓✓.
    expect(await alice.texts()).to.deep.equal(await bob.texts());
    for (const t of ["sent during the outage", "after the crash"]) {
      expect(await alice.bubble(t).count()).to.equal(1);
      expect(await alice.bubble(t).getAttribute("data-state")).to.be.oneOf(["sent", "read"]);
    }
  });
});
