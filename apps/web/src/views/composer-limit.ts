/**
 * Under the composer (and an edit box): a character counter near the 4,000 limit, and past it the
 * reason a send is refused, with an offer to send the text as several messages where that makes
 * sense (not for an edit, which stays one message). Never cut silently.
 */
import { h, setText } from "../dom.ts";
import {
  counterText,
  editTooLongText,
  MESSAGE_MAX,
  splitMessage,
  tooLongText,
} from "../logic/composer-limit.ts";

export class ComposerLimit {
  readonly el: HTMLElement;
  private readonly counter = h("span", { class: "char-counter", "aria-live": "polite" });
  private readonly problem = h("span", { class: "too-long", role: "alert" });
  private readonly splitBtn = h("button", { type: "button", class: "small" }, "Send as several messages");

  constructor(
    private readonly composer: HTMLTextAreaElement,
    /** Sends one part (the composer is set to it and submitted); none for an edit box (no split). */
    private readonly sendPart?: (text: string) => void,
  ) {
    this.el = h("div", { class: "composer-limit", hidden: true }, this.problem, this.splitBtn, this.counter);
    this.splitBtn.onclick = () => {
      const parts = splitMessage(this.composer.value);
      for (const p of parts) this.sendPart?.(p);
      this.composer.focus();
    };
  }

  /** False (and says why) when the text is over the limit. */
  allows(text: string): boolean {
    if (text.length <= MESSAGE_MAX) return true;
    this.update();
    this.composer.focus();
    return false;
  }

  update(): void {
    const n = this.composer.value.length;
    const over = n > MESSAGE_MAX;
    setText(this.counter, counterText(n) ?? "");
    this.counter.classList.toggle("over", over);
    setText(this.problem, !over ? "" : this.sendPart ? tooLongText(n) : editTooLongText(n));
    this.splitBtn.hidden = !over || !this.sendPart;
    this.el.hidden = counterText(n) === undefined;
  }
}
