import { expect } from "chai";
import type { NodeProcess } from "../../src/launcher/node-process.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { readUpTo, sendText } from "../rest/helpers/calls.ts";
import { startWebWorld, type WebWorld } from "./web-fixture.ts";
import { ChatPage } from "./web-pages.ts";

/**
 * Issue 18 in the web app: message search, replies and reactions, in Chromium across two nodes.
 * Anna uses node X, Boris node Y, and Anna also has a tab on node Y (a second device), so every
 * change crosses nodes through Redis. The Russian and English messages searched for lie before
 * 100 newer ones: older than the page a chat opens with (40), so opening them loads history
 * around them (around_seq). The tests build on each other in order.
 */
describe("web: search, replies and reactions in Chromium across 2 nodes", function () {
  this.timeout(120_000);
  let w: WebWorld;
  let x: NodeProcess;
  let y: NodeProcess;
  let annUser: TestUser;
  let borisUser: TestUser;
  let chatId: number;
  const pages: ChatPage[] = [];
  let anna: ChatPage;
  let boris: ChatPage;
  let anna2: ChatPage;
  const RU = "Встречаемся у памятника Пушкину в субботу в полдень";
  const EN = "The quarterly budget spreadsheet is ready for review";
  /** Messages after those two: a chat opens on the newest 40, the window around one holds 40. */
  const NEWER = 100;
  /** The list URLs each page asked for, to see which history requests it made. */
  const asked = new Map<ChatPage, string[]>();

  const open = async (url: string) => {
    const p = await ChatPage.open(w.browser, url, { width: 1200, height: 760 });
    pages.push(p);
    const urls: string[] = [];
    asked.set(p, urls);
    p.page.on("request", (r) => {
      if (r.url().includes("/messages?")) urls.push(r.url());
    });
    return p;
  };
  /** Reloads the page and waits for the open chat's newest messages (slow on a busy machine). */
  const reload = async (p: ChatPage, newest: string) => {
    await p.page.reload();
    await p.bubble(newest).waitFor({ timeout: 30_000 });
  };
  const aroundAsked = (p: ChatPage) => asked.get(p)!.filter((u) => u.includes("around_seq="));

  /** Searches from the sidebar's box (all chats) and answers the results' locator. */
  const search = async (p: ChatPage, q: string) => {
    await p.page.getByRole("searchbox", { name: "Search messages" }).fill(q);
    await p.page.getByRole("searchbox", { name: "Search messages" }).press("Enter");
    return p.page.getByRole("list", { name: "Search results" }).locator("li");
  };

  before(async function () {
    this.timeout(90_000);
    w = await startWebWorld();
    [x, y] = w.nodes;
    [annUser, borisUser] = await Promise.all([createUser(x.url, "Anna"), createUser(x.url, "Boris")]);
    chatId = await createGroup(x.url, annUser, [borisUser], "Travel");
    await sendText(x.url, annUser, chatId, RU);
    await sendText(x.url, borisUser, chatId, EN);
    // Ten at a time (the machine is shared); the last two in order, as the test reads them.
    const newer = (i: number) => sendText(x.url, i % 2 ? annUser : borisUser, chatId, `newer message ${i}`);
    for (let i = 1; i <= NEWER - 2; i += 10)
      await Promise.all(Array.from({ length: Math.min(10, NEWER - 1 - i) }, (_, k) => newer(i + k)));
    await newer(NEWER - 1);
    const newest = await newer(NEWER);
    // Both have read it all: opening the chat does not jump back to a first unread message (which
    // loads every page down to it, leaving no hole for the search's "around" window to show).
    await Promise.all([readUpTo(x.url, annUser, newest), readUpTo(x.url, borisUser, newest)]);
  });
  after(async function () {
    this.timeout(30_000);
    await w?.stop();
  });
  afterEach(() => {
    for (const p of pages) expect(p.errors, "errors thrown in a page").to.deep.equal([]);
  });

  it("search finds a Russian and an English message by a partial word and opens each in its context", async () => {
    anna = await open(x.url);
    boris = await open(y.url);
    await anna.login(annUser.email);
    await boris.login(borisUser.email);

    await anna.openChat("Travel");
    await anna.bubble(`newer message ${NEWER}`).waitFor();
    // Older than the page the chat opened with.
    expect(await anna.bubble(RU).count()).to.equal(0);
    expect(aroundAsked(anna)).to.deep.equal([]);

    const hits = await search(anna, "памятн");
    await eventually(async () => expect(await hits.count()).to.equal(1));
    const hit = hits.first();
    expect(await hit.locator(".hit-chat").textContent()).to.equal("Travel");
    expect(await hit.locator(".hit-sender").textContent()).to.equal("You: ");
    // The words found are marked, in text nodes: the snippet reads as the message does.
    expect(await hit.locator(".hit-snippet").textContent()).to.equal(RU);
    expect(await hit.locator(".hit-snippet mark").allTextContents()).to.deep.equal(["памятника"]);
    expect(await hit.locator(".hit-snippet").evaluate((el) => el.innerHTML)).to.match(
      /^Встречаемся у <mark>памятника<\/mark> Пушкину/,
    );

    await hit.getByRole("button").click();
    const ru = anna.bubble(RU);
    await ru.waitFor();
    expect(aroundAsked(anna)).to.have.length(1);
    expect(await ru.getAttribute("data-highlight")).to.equal("");
    await eventually(async () => expect(await anna.inView(ru)).to.equal(true));
    // The newest messages stay loaded below; the hole between shows a row that loads it.
    await anna.page.locator("li.gap").waitFor();
    expect(await anna.bubble(`newer message ${NEWER}`).count()).to.equal(1);

    // Boris, on the other node, finds the English one by the start of a word.
    await boris.openChat("Travel");
    const enHits = await search(boris, "quarter spread");
    await eventually(async () => expect(await enHits.count()).to.equal(1));
    expect(await enHits.first().locator(".hit-sender").textContent()).to.equal("You: ");
    expect(await enHits.first().locator(".hit-snippet mark").allTextContents()).to.deep.equal([
      "quarterly",
      "spreadsheet",
    ]);
    await enHits.first().getByRole("button").click();
    await boris.bubble(EN).waitFor();
    expect(aroundAsked(boris)).to.have.length(1);
    await eventually(async () => expect(await boris.inView(boris.bubble(EN))).to.equal(true));
    await boris.screenshot("search");

    // Scrolling down into the hole fills it: the conversation is whole again.
    await boris.page.locator("li.gap").scrollIntoViewIfNeeded();
    await eventually(async () => expect(await boris.page.locator("li.gap").count()).to.equal(0), 8000);
    const texts = await boris.texts();
    expect(texts.indexOf(EN)).to.be.lessThan(texts.indexOf("newer message 1"));
    expect(texts.slice(-2)).to.deep.equal([`newer message ${NEWER - 1}`, `newer message ${NEWER}`]);

    // Nothing found is said so; a search limited to this chat says where it looked.
    await boris.page.getByLabel("Where to search").selectOption({ label: "In “Travel”" });
    await search(boris, "zzzqqq");
    await boris.page.getByRole("status").filter({ hasText: "Nothing found in “Travel”" }).waitFor();
    await search(boris, "");
  });

  it("a reply quotes its original, follows its edit and deletion, and the quote jumps to it", async () => {
    await anna.send("The plan is Saturday");
    const original = boris.bubble("The plan is Saturday");
    await original.waitFor();
    // Keyboard: the Reply action is a button in the message's actions.
    await original.getByRole("button", { name: "Reply to Anna" }).focus();
    await boris.page.keyboard.press("Enter");
    const bar = boris.page.locator(".reply-bar");
    await eventually(async () =>
      expect(await bar.textContent()).to.equal("Replying to AnnaThe plan is Saturday×"),
    );
    expect(await boris.composer.evaluate((el) => el === document.activeElement)).to.equal(true);
    // Escape (or ×) cancels; Reply again to send one.
    await boris.composer.press("Escape");
    await eventually(async () => expect(await bar.isHidden()).to.equal(true));
    await original.getByRole("button", { name: "Reply to Anna" }).click();
    await bar.waitFor();
    await boris.send("Yes, Saturday works");
    await eventually(async () => expect(await bar.isHidden()).to.equal(true));

    for (const p of [boris, anna]) {
      const quote = p.bubble("Yes, Saturday works").locator(".reply-quote");
      await quote.waitFor();
      expect(await quote.locator(".quote-sender").textContent()).to.equal(p === anna ? "You" : "Anna");
      expect(await quote.locator(".quote-text").textContent()).to.equal("The plan is Saturday");
    }
    await boris.screenshot("reply");

    // Anna edits the original: the quote follows on both nodes, and after a reload.
    const mine = anna.bubble("The plan is Saturday");
    await mine.getByRole("button", { name: "Edit message" }).click();
    const editor = anna.page.getByRole("textbox", { name: "Edit message" });
    await editor.fill("The plan is Sunday");
    await editor.press("Enter");
    for (const p of [boris, anna])
      await eventually(async () =>
        expect(
          await p.bubble("Yes, Saturday works").locator(".reply-quote .quote-text").textContent(),
        ).to.equal("The plan is Sunday"),
      );
    await reload(boris, "Yes, Saturday works");
    await eventually(async () =>
      expect(
        await boris.bubble("Yes, Saturday works").locator(".reply-quote .quote-text").textContent(),
      ).to.equal("The plan is Sunday"),
    );

    // Deleted: "deleted message".
    await anna.bubble("The plan is Sunday").getByRole("button", { name: "Delete message" }).click();
    await anna.page
      .getByRole("group", { name: "Delete this message?" })
      .getByRole("button", { name: "Delete" })
      .click();
    for (const p of [boris, anna])
      await eventually(async () =>
        expect(
          await p.bubble("Yes, Saturday works").locator(".reply-quote .quote-text").textContent(),
        ).to.equal("deleted message"),
      );

    // A reply to an old message: its quote, clicked after a reload, loads history around it.
    const hits = await search(boris, "пушкин");
    await eventually(async () => expect(await hits.count()).to.equal(1));
    await hits.first().getByRole("button").click();
    await boris.bubble(RU).getByRole("button", { name: "Reply to Anna" }).click();
    await boris.send("Я приду");
    await search(boris, "");
    await reload(boris, "Я приду");
    const reply = boris.bubble("Я приду");
    expect(await boris.bubble(RU).count()).to.equal(0);
    const before = aroundAsked(boris).length;
    await reply.locator(".reply-quote").click();
    await boris.bubble(RU).waitFor();
    expect(aroundAsked(boris).length).to.equal(before + 1);
    expect(await boris.bubble(RU).getAttribute("data-highlight")).to.equal("");
    await eventually(async () => expect(await boris.inView(boris.bubble(RU))).to.equal(true));
  });

  it("reactions toggle and show live to the other user and to the same user's tab on the other node", async () => {
    anna2 = await open(y.url);
    await anna2.login(annUser.email);
    await anna2.openChat("Travel");
    await boris.page.locator(".reply-quote").first().waitFor();
    await boris.send("Who brings snacks?");
    for (const p of [anna, anna2]) await p.bubble("Who brings snacks?").waitFor();

    const reaction = (p: ChatPage, emoji: string) =>
      p.bubble("Who brings snacks?").locator("button.reaction", { hasText: emoji });
    const expectReaction = async (p: ChatPage, emoji: string, count: number, mine: boolean, who: string) =>
      eventually(async () => {
        const r = reaction(p, emoji);
        expect(await r.locator(".reaction-count").textContent()).to.equal(String(count));
        expect(await r.getAttribute("aria-pressed")).to.equal(String(mine));
        expect(await r.getAttribute("title")).to.equal(who);
      });

    // Anna (node X) reacts with the picker.
    const msg = anna.bubble("Who brings snacks?");
    await msg.getByRole("button", { name: "Add a reaction" }).click();
    await msg.getByRole("button", { name: "React 👍" }).click();
    await expectReaction(anna, "👍", 1, true, "You");
    await expectReaction(boris, "👍", 1, false, "Anna");
    await expectReaction(anna2, "👍", 1, true, "You");

    // Boris (node Y) adds his to the same emoji: who reacted, by name.
    await reaction(boris, "👍").click();
    await expectReaction(boris, "👍", 2, true, "Anna, You");
    await expectReaction(anna, "👍", 2, true, "You, Boris");
    await expectReaction(anna2, "👍", 2, true, "You, Boris");

    // Any emoji, typed, from Anna's other device.
    const m2 = anna2.bubble("Who brings snacks?");
    await m2.getByRole("button", { name: "Add a reaction" }).click();
    await m2.getByLabel("Any emoji").fill("🦄");
    await m2.getByLabel("Any emoji").press("Enter");
    for (const p of [anna, anna2]) await expectReaction(p, "🦄", 1, true, "You");
    await expectReaction(boris, "🦄", 1, false, "Anna");
    await boris.page.mouse.move(0, 0);
    await boris.screenshot("reactions");
    await boris.bubble("Who brings snacks?").getByRole("button", { name: "Add a reaction" }).click();
    await boris.bubble("Who brings snacks?").getByRole("group", { name: "Pick a reaction" }).waitFor();
    await boris.page.keyboard.press("Escape");

    // Anna takes hers back on node X: every device sees it.
    await reaction(anna, "👍").click();
    await expectReaction(anna, "👍", 1, false, "Boris");
    await expectReaction(anna2, "👍", 1, false, "Boris");
    await expectReaction(boris, "👍", 1, true, "You");

    // Kept across a reload (history brings them).
    await reload(anna2, "Who brings snacks?");
    await expectReaction(anna2, "👍", 1, false, "Boris");
    await expectReaction(anna2, "🦄", 1, true, "You");
  });
});
