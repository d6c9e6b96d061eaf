/** Log in / register: one form, two modes; errors are announced (role="alert"). */
import { h, setText } from "../dom.ts";

interface AuthHandlers {
  login(email: string, password: string): Promise<void>;
  register(name: string, email: string, password: string): Promise<void>;
}

export function authView(handlers: AuthHandlers, message?: string): HTMLElement {
  let mode: "login" | "register" = "login";
  /** Bumped by each submit and tab switch: an answer to an older one is not shown. */
  let attempt = 0;
  const name = h("input", { id: "auth-name", name: "name", autocomplete: "name", maxlength: 100 });
  const email = h("input", {
    id: "auth-email",
    name: "email",
    type: "email",
    autocomplete: "email",
    required: true,
  });
  const password = h("input", {
    id: "auth-password",
    name: "password",
    type: "password",
    autocomplete: "current-password",
    required: true,
    minlength: 8,
  });
  const nameRow = h("div", { class: "field", hidden: true }, h("label", { for: "auth-name" }, "Name"), name);
  const error = h("p", { class: "form-error", role: "alert" }, message ?? "");
  const submit = h("button", { type: "submit", class: "primary" }, "Log in");
  const title = h("h1", { id: "auth-title" }, "Log in");
  const loginTab = h("button", { type: "button", role: "tab", "aria-selected": "true" }, "Log in");
  const registerTab = h("button", { type: "button", role: "tab", "aria-selected": "false" }, "Register");

  const setMode = (m: typeof mode) => {
    mode = m;
    attempt++;
    submit.disabled = false;
    const reg = m === "register";
    nameRow.hidden = !reg;
    name.required = reg;
    password.autocomplete = reg ? "new-password" : "current-password";
    setText(title, reg ? "Create an account" : "Log in");
    setText(submit, reg ? "Register" : "Log in");
    loginTab.setAttribute("aria-selected", String(!reg));
    registerTab.setAttribute("aria-selected", String(reg));
    setText(error, "");
    (reg ? name : email).focus();
  };
  loginTab.addEventListener("click", () => setMode("login"));
  registerTab.addEventListener("click", () => setMode("register"));

  const form = h(
    "form",
    { class: "auth-form", "aria-labelledby": "auth-title", novalidate: false },
    title,
    h("div", { class: "tabs", role: "tablist", "aria-label": "Log in or register" }, loginTab, registerTab),
    nameRow,
    h("div", { class: "field" }, h("label", { for: "auth-email" }, "Email"), email),
    h("div", { class: "field" }, h("label", { for: "auth-password" }, "Password"), password),
    error,
    submit,
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    setText(error, "");
    const mine = ++attempt;
    const done =
      mode === "register"
        ? handlers.register(name.value.trim(), email.value.trim(), password.value)
        : handlers.login(email.value.trim(), password.value);
    done.then(
      () => {
        if (mine === attempt) submit.disabled = false;
      },
      (err: unknown) => {
        if (mine !== attempt) return; // the form moved on (another tab, another try)
        submit.disabled = false;
        setText(error, err instanceof Error ? err.message : "Something went wrong");
      },
    );
  });
  queueMicrotask(() => email.focus());
  return h(
    "main",
    { class: "auth" },
    h("div", { class: "brand", "aria-hidden": "true" }, h("span", { class: "logo" }, "C"), "Chat"),
    form,
  );
}
