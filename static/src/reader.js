// Reader entry point: htmx for the small server round-trips (read marks, exercise answers,
// run polling). Widgets that need more (the code editor) live in editor.js.
import htmx from "htmx.org";

window.htmx = htmx;

// Keep the TOC open on wide screens, folded on phones, without a flash.
document.addEventListener("DOMContentLoaded", () => {
  const toc = document.querySelector(".toc-details");
  if (toc && window.matchMedia("(max-width: 900px)").matches) {
    toc.removeAttribute("open");
  }
});

// A notice beside an example's output (the log-in prompt) is about the last Run only.
document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  const widget = target && target.classList.contains("runnable-output") ? target.closest(".runnable") : null;
  if (widget) widget.querySelectorAll(".run-notice").forEach((notice) => notice.remove());
});

// The phone header folds the navigation behind a Menu button.
document.addEventListener("click", (event) => {
  const toggle = event.target.closest("[data-menu-toggle]");
  if (toggle) {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    document.getElementById(toggle.getAttribute("aria-controls")).classList.toggle("is-open", open);
    return;
  }
  const theme = event.target.closest("[data-theme-toggle]");
  if (theme) {
    const dark = !isDark();
    document.documentElement.dataset.theme = dark ? "dark" : "light";
    try { localStorage.setItem("glassbook-theme", dark ? "dark" : "light"); } catch (e) { /* private mode */ }
    syncThemeButton();
  }
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const toggle = document.querySelector('[data-menu-toggle][aria-expanded="true"]');
  if (toggle) { toggle.click(); toggle.focus(); }
});

function isDark() {
  const chosen = document.documentElement.dataset.theme;
  if (chosen) return chosen === "dark";
  return window.matchMedia("(prefers-color-scheme: dark)").matches;
}
function syncThemeButton() {
  document.querySelectorAll("[data-theme-toggle]").forEach((b) => b.setAttribute("aria-pressed", String(isDark())));
}
document.addEventListener("DOMContentLoaded", syncThemeButton);

// Plots: click or tap to see one at full size (its SVG when the lab made one); Esc or a click closes it.
document.addEventListener("click", (event) => {
  const img = event.target.closest(".lab-figure img, .run-figures img, .explainlab-embed img, .prose img");
  if (!img || event.target.closest("a")) return;
  const dialog = document.createElement("dialog");
  dialog.className = "figure-zoom";
  const big = document.createElement("img");
  big.src = img.dataset.full || img.src;
  big.alt = img.alt;
  const close = document.createElement("button");
  close.type = "button";
  close.className = "button figure-zoom-close";
  close.textContent = "Close";
  dialog.append(close, big);
  document.body.append(dialog);
  dialog.addEventListener("close", () => dialog.remove());
  dialog.addEventListener("click", () => dialog.close());
  dialog.showModal();
  close.focus();
});
