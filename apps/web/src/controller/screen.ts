/**
 * Drawing the page: one update per microtask however many changes ask for it, a redraw when the
 * next "is typing" note expires, and the notice that clears itself.
 */
import type { Shell } from "../views/shell.ts";
import type { Parts } from "./parts.ts";

export class Screen {
  private queued = false;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly p: Parts,
    private readonly shell: Shell,
  ) {}

  render = (): void => {
    if (this.queued || this.p.stopped) return;
    this.queued = true;
    // A microtask, not requestAnimationFrame: background tabs must stay current too.
    queueMicrotask(() => {
      this.queued = false;
      if (this.p.stopped) return;
      this.shell.update();
      this.scheduleTypingExpiry();
      this.p.pushSubscriptions.updateViewing();
    });
  };

  notify(message: string): void {
    this.p.store.notice = message;
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => {
      this.p.store.notice = undefined;
      this.render();
    }, 6000);
    this.render();
  }

  focusComposer(): void {
    this.shell.conversation.focusComposer();
  }

  stop(): void {
    clearTimeout(this.typingTimer);
    clearTimeout(this.noticeTimer);
  }

  private scheduleTypingExpiry() {
    const next = this.p.store.typing.nextExpiry();
    clearTimeout(this.typingTimer);
    if (next !== undefined) this.typingTimer = setTimeout(this.render, Math.max(next - Date.now(), 0) + 50);
  }
}
