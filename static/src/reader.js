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
