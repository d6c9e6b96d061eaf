/**
 * What I was typing, per chat, saved as I type: a reload, or a session that ended and the login
 * that follows, gives it back. Kept per user in the storage given (localStorage in the app).
 */
import type { KeyValueStore } from "./outbox.ts";

// Above the message limit: a long text is kept whole, the composer says it is too long to send.
const MAX_DRAFT = 20_000;

export class Drafts {
  private readonly texts: Record<string, string>;

  constructor(
    private readonly storage: KeyValueStore,
    private readonly key: string,
  ) {
    let texts: Record<string, string> = {};
    try {
      const raw = JSON.parse(storage.getItem(key) ?? "{}") as unknown;
      if (raw && typeof raw === "object") texts = raw as Record<string, string>;
    } catch {
      // unreadable: no drafts
    }
    this.texts = texts;
  }

  get(chatId: number): string {
    const t = this.texts[String(chatId)];
    return typeof t === "string" ? t : "";
  }

  set(chatId: number, text: string): void {
    if (text.trim()) this.texts[String(chatId)] = text.slice(0, MAX_DRAFT);
    else delete this.texts[String(chatId)];
    try {
      if (Object.keys(this.texts).length === 0) this.storage.removeItem(this.key);
      else this.storage.setItem(this.key, JSON.stringify(this.texts));
    } catch {
      // storage full or disabled: the draft stays in memory
    }
  }
}
