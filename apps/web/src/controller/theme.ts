/**
 * Light or dark: follows the system (prefers-color-scheme) unless chosen in Settings; the choice
 * is kept in localStorage. public/theme-boot.js applies the same rule before the first paint.
 */
export type ThemeChoice = "system" | "light" | "dark";

const KEY = "chat.theme";
const query = () => window.matchMedia("(prefers-color-scheme: dark)");

export function themeChoice(): ThemeChoice {
  try {
    const v = localStorage.getItem(KEY);
    return v === "light" || v === "dark" ? v : "system";
  } catch {
    return "system";
  }
}

function apply(): void {
  const c = themeChoice();
  const dark = c === "dark" || (c === "system" && query().matches);
  document.documentElement.dataset.theme = dark ? "dark" : "light";
}

export function setTheme(choice: ThemeChoice): void {
  try {
    if (choice === "system") localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
  } catch {
    // storage disabled: this page only
  }
  apply();
}

/** Keeps the page in step with the system setting and with other tabs' choices. */
export function followTheme(): void {
  apply();
  query().addEventListener("change", apply);
  window.addEventListener("storage", (ev) => {
    if (ev.key === KEY || ev.key === null) apply();
  });
}
