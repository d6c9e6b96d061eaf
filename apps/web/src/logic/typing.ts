/**
 * Typing indicators. Incoming: who is typing in which chat, each entry expiring on its own (a
 * "stopped" event can be lost with a dropped connection). Outgoing: when to tell the server.
 */
import { joinNames } from "./receipts.ts";

export const TYPING_TTL_MS = 6000;

/**
 * How long after someone's message their "typing" is not believed: it travels straight through the
 * adapter while the message goes through the database, so a "typing" sent just before the message
 * can arrive just after it (a busy node, another node) and would otherwise stick for the whole TTL.
 */
export const TYPING_AFTER_MESSAGE_MS = 1000;

export class TypingState {
  private readonly until = new Map<number, Map<number, number>>();
  /** chat → user → when their last message arrived. */
  private readonly spoke = new Map<number, Map<number, number>>();

  set(chatId: number, userId: number, typing: boolean, now = Date.now()): void {
    const m = this.until.get(chatId) ?? new Map<number, number>();
    this.until.set(chatId, m);
    const said = this.spoke.get(chatId)?.get(userId);
    if (typing && said !== undefined && now - said < TYPING_AFTER_MESSAGE_MS) return;
    if (typing) m.set(userId, now + TYPING_TTL_MS);
    else m.delete(userId);
  }

  /** A message from someone ends their typing (and a late "typing" of theirs just after it). */
  clear(chatId: number, userId: number, now = Date.now()): void {
    this.until.get(chatId)?.delete(userId);
    const s = this.spoke.get(chatId) ?? new Map<number, number>();
    this.spoke.set(chatId, s);
    s.set(userId, now);
  }

  /** Someone left (their last device went offline): their typing ends in every chat. */
  clearUser(userId: number): void {
    for (const m of this.until.values()) m.delete(userId);
  }

  who(chatId: number, now = Date.now()): number[] {
    const m = this.until.get(chatId);
    if (!m) return [];
    for (const [u, t] of m) if (t <= now) m.delete(u);
    return [...m.keys()];
  }

  /** The next moment an entry expires (to schedule a re-render), or undefined. */
  nextExpiry(): number | undefined {
    let next: number | undefined;
    for (const m of this.until.values())
      for (const t of m.values()) next = next === undefined ? t : Math.min(next, t);
    return next;
  }
}

export function typingLabel(names: string[]): string {
  if (names.length === 0) return "";
  if (names.length > 3) return `${names.length} people are typing…`;
  return `${joinNames(names)} ${names.length === 1 ? "is" : "are"} typing…`;
}

/**
 * Outgoing typing: "typing" at the first keystroke and again every `refreshMs` while typing goes
 * on (so the others' indicator does not expire), "stopped" after `idleMs` without input or on send.
 */
export class TypingSender {
  private typing = false;
  private lastSent = 0;
  private idle: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly send: (isTyping: boolean) => void,
    private readonly refreshMs = 2500,
    private readonly idleMs = 3000,
  ) {}

  input(now = Date.now()): void {
    if (!this.typing || now - this.lastSent >= this.refreshMs) {
      this.typing = true;
      this.lastSent = now;
      this.send(true);
    }
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.stop(), this.idleMs);
  }

  stop(): void {
    clearTimeout(this.idle);
    this.idle = undefined;
    if (!this.typing) return;
    this.typing = false;
    this.send(false);
  }
}
