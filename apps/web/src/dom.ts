/**
 * A tiny DOM builder. Text always goes in as text nodes (never as HTML), so whatever a user
 * types (names, messages) is shown, never run: there is no innerHTML anywhere in this client.
 */
type Child = Node | string | number | null | undefined | false | Child[];
type AttrValue = string | number | boolean | null | undefined;
type Attrs = { [name: string]: AttrValue | ((ev: never) => void) };

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (typeof value === "function") {
      el.addEventListener(name.slice(2).toLowerCase(), value as EventListener);
    } else if (name === "value" && "value" in el) {
      (el as HTMLInputElement).value = String(value ?? "");
    } else if (value === true) {
      el.setAttribute(name, "");
    } else if (value !== false && value !== null && value !== undefined) {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
  }
}

/** Replaces an element's children. */
export function setChildren(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

export function setAttr(el: Element, name: string, value: string | null): void {
  if (value === null) el.removeAttribute(name);
  else if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

const keyed = new WeakMap<Element, Map<string, HTMLElement>>();

/**
 * Keyed list rendering: one element per key, created once, updated in place and moved only when
 * the order changes, so focus, selection and scroll position survive updates.
 */
export function reconcile<T>(
  parent: HTMLElement,
  items: readonly T[],
  key: (item: T) => string,
  create: (item: T) => HTMLElement,
  update: (el: HTMLElement, item: T) => void,
): void {
  const old = keyed.get(parent) ?? new Map<string, HTMLElement>();
  const next = new Map<string, HTMLElement>();
  for (const item of items) {
    const k = key(item);
    let el = old.get(k);
    if (!el) el = create(item);
    update(el, item);
    next.set(k, el);
  }
  for (const [k, el] of old) if (!next.has(k)) el.remove();
  let cursor: ChildNode | null = parent.firstChild;
  for (const el of next.values()) {
    if (el === cursor) cursor = cursor.nextSibling;
    else parent.insertBefore(el, cursor);
  }
  keyed.set(parent, next);
}
