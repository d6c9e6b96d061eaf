/** The chat page as a person uses it: by labels, roles and visible text (playwright-core). */
import fs from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Locator, Page } from "../../../web/test/browser.ts";
import { ROOT_DIR } from "../support/node.ts";

export const PASSWORD = "correct horse battery";

const exact = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);

export class ChatPage {
  /** Errors thrown in the page: a test fails if any appear. */
  readonly errors: string[] = [];
  /** The page's console, for failure messages. */
  readonly console: string[] = [];

  constructor(readonly page: Page) {
    page.on("pageerror", (e) => this.errors.push(e.message));
    page.on("console", (m) => this.console.push(`${m.type()}: ${m.text()}`));
  }

  static async open(
    browser: Browser,
    baseURL: string,
    viewport = { width: 1100, height: 720 },
  ): Promise<ChatPage> {
    const ctx = await browser.newContext({ baseURL, viewport });
    // Below the test's own timeout, so a stuck step names itself instead of timing the test out.
    ctx.setDefaultTimeout(12_000);
    const p = new ChatPage(await ctx.newPage());
    await p.page.goto("/");
    return p;
  }

  get context(): BrowserContext {
    return this.page.context();
  }

  /** Another tab of the same browser profile (shares localStorage, hence the session). */
  async newTab(): Promise<ChatPage> {
    const p = new ChatPage(await this.context.newPage());
    await p.page.goto("/");
    await p.page.getByRole("heading", { name: "Chats" }).waitFor();
    return p;
  }

  async register(name: string, email: string): Promise<void> {
    const p = this.page;
    await p.getByRole("tab", { name: "Register" }).click();
    await p.getByLabel("Name").fill(name);
    await p.getByLabel("Email").fill(email);
    await p.getByLabel("Password").fill(PASSWORD);
    await p.getByRole("button", { name: "Register", exact: true }).click();
    await p.getByRole("heading", { name: "Chats" }).waitFor();
  }

  async login(email: string): Promise<void> {
    const p = this.page;
    await p.getByLabel("Email").fill(email);
    await p.getByLabel("Password").fill(PASSWORD);
    await p.getByRole("button", { name: "Log in", exact: true }).click();
    await p.getByRole("heading", { name: "Chats" }).waitFor();
  }

  get composer(): Locator {
    return this.page.getByLabel("Message", { exact: true });
  }

  async send(text: string): Promise<void> {
    await this.composer.fill(text);
    await this.composer.press("Enter");
  }

  chatItem(title: string): Locator {
    return this.page
      .locator(".chat-list > li")
      .filter({ has: this.page.locator(".title", { hasText: exact(title) }) });
  }

  async openChat(title: string): Promise<void> {
    await this.chatItem(title).locator("a").click();
    await this.page.locator("#conversation-title", { hasText: exact(title) }).waitFor();
  }

  /** The bubble of a message by its exact text. */
  bubble(text: string): Locator {
    return this.page
      .locator("ol.messages > li")
      .filter({ has: this.page.locator("p.text", { hasText: exact(text) }) });
  }

  /** Texts of the open conversation, top to bottom. */
  texts(): Promise<string[]> {
    return this.page.locator("ol.messages p.text").allTextContents();
  }

  /** The element lies inside the conversation's visible area (the `.scroller`). */
  async inView(el: Locator): Promise<boolean> {
    const box = await el.boundingBox();
    const sc = await this.page.locator(".scroller").boundingBox();
    return !!box && !!sc && box.y >= sc.y - 1 && box.y + box.height <= sc.y + sc.height + 1;
  }

  async startPrivateChat(query: string, title: string): Promise<void> {
    await this.page.getByRole("button", { name: "New chat" }).click();
    await this.page.getByLabel("Find people").fill(query);
    await this.page
      .getByRole("region", { name: "New private chat" })
      .getByRole("button", { name: "Message" })
      .click();
    await this.page.locator("#conversation-title", { hasText: exact(title) }).waitFor();
  }

  /** Saves a screenshot for the README (docs/screenshots/), only when missing or UPDATE_SCREENSHOTS=1. */
  async screenshot(name: string): Promise<void> {
    const png = await this.page.screenshot();
    const file = path.join(ROOT_DIR, "docs/screenshots", `${name}.png`);
    if (process.env.UPDATE_SCREENSHOTS === "1" || !fs.existsSync(file)) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, png);
    }
  }
}
