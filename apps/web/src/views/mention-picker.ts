/**
 * The composer's member picker: typing `@` in a group offers the members whose names match what
 * follows; Up/Down choose, Enter or Tab (or a click) puts `@Name ` in, Escape closes. Its keys are
 * taken before the composer's own (Enter would send otherwise).
 */
import { h, reconcile, setText } from "../dom.ts";
import { matchMembers, mentionQuery } from "../logic/mentions.ts";
import type { Member } from "../logic/types.ts";

export class MentionPicker {
  readonly el = h("ul", { class: "mention-picker", role: "listbox", id: "mention-picker", hidden: true });
  private matches: Member[] = [];
  private selected = 0;
  private start = -1;

  constructor(
    private readonly composer: HTMLTextAreaElement,
    /** The open chat's members other than me (none in a private chat). */
    private readonly members: () => Member[],
    /** The composer's text changed here (draft, typing). */
    private readonly changed: () => void,
  ) {
    composer.setAttribute("aria-controls", "mention-picker");
    composer.setAttribute("aria-autocomplete", "list");
    composer.addEventListener("input", () => this.refresh());
    composer.addEventListener("click", () => this.refresh());
    composer.addEventListener("blur", () => setTimeout(() => this.close(), 150));
    // Capture on the form: before the composer's Enter-sends handler.
    composer.form?.addEventListener("keydown", (ev) => this.key(ev), true);
  }

  private refresh() {
    const q = mentionQuery(this.composer.value, this.composer.selectionStart ?? 0);
    const members = q ? matchMembers(this.members(), q.query) : [];
    if (!q || members.length === 0) return this.close();
    this.start = q.start;
    if (members.map((m) => m.id).join() !== this.matches.map((m) => m.id).join()) this.selected = 0;
    this.matches = members;
    this.render();
  }

  private render() {
    this.el.hidden = false;
    this.composer.setAttribute("aria-expanded", "true");
    reconcile(
      this.el,
      this.matches,
      (m) => String(m.id),
      (m) =>
        h(
          "li",
          {
            role: "option",
            id: `mention-${m.id}`,
            onmousedown: (ev: MouseEvent) => {
              ev.preventDefault(); // keep the composer's focus and caret
              this.pick(m);
            },
          },
          m.name,
        ),
      (li, m) => {
        setText(li, m.name);
        li.setAttribute("aria-selected", String(this.matches[this.selected] === m));
      },
    );
    const active = this.matches[this.selected];
    if (active) this.composer.setAttribute("aria-activedescendant", `mention-${active.id}`);
  }

  private key(ev: KeyboardEvent) {
    if (this.el.hidden || ev.target !== this.composer || ev.isComposing) return;
    const n = this.matches.length;
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      this.selected = (this.selected + (ev.key === "ArrowDown" ? 1 : n - 1)) % n;
      this.render();
    } else if ((ev.key === "Enter" && !ev.shiftKey) || ev.key === "Tab") {
      this.pick(this.matches[this.selected]);
    } else if (ev.key === "Escape") {
      this.close();
    } else return;
    ev.preventDefault();
    ev.stopPropagation();
  }

  private pick(m: Member) {
    const v = this.composer.value;
    const caret = this.composer.selectionStart ?? v.length;
    const insert = `@${m.name} `;
    this.composer.value = v.slice(0, this.start) + insert + v.slice(caret);
    const at = this.start + insert.length;
    this.composer.setSelectionRange(at, at);
    this.close();
    this.changed();
  }

  close(): void {
    if (this.el.hidden) return;
    this.el.hidden = true;
    this.matches = [];
    this.composer.setAttribute("aria-expanded", "false");
    this.composer.removeAttribute("aria-activedescendant");
  }
}
