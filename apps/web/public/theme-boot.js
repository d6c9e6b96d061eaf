// Applies the chosen theme (controller/theme.ts) before the first paint, so a dark page never
// flashes white. A file, not an inline script: the Content-Security-Policy allows 'self' only.
(function () {
  var choice = null;
  try {
    choice = localStorage.getItem("chat.theme");
  } catch (e) {}
  var dark =
    choice === "dark" ||
    (choice !== "light" && window.matchMedia && matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.dataset.theme = dark ? "dark" : "light";
})();
