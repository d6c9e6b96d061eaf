/** Settings: the theme (system, light, dark) as a radio group; applied and kept at once. */
import { h } from "../dom.ts";
import { setTheme, themeChoice, type ThemeChoice } from "../controller/theme.ts";

const CHOICES: [ThemeChoice, string][] = [
  ["system", "Same as the system"],
  ["light", "Light"],
  ["dark", "Dark"],
];

export function themePicker(): HTMLElement {
  const current = themeChoice();
  return h(
    "section",
    { class: "account-form theme-picker" },
    h("h2", { id: "theme-title" }, "Theme"),
    h(
      "div",
      { role: "radiogroup", "aria-labelledby": "theme-title" },
      CHOICES.map(([value, label]) =>
        h(
          "label",
          { class: "theme-option" },
          h("input", {
            type: "radio",
            name: "theme",
            value,
            checked: value === current,
            onchange: () => setTheme(value),
          }),
          label,
        ),
      ),
    ),
  );
}
