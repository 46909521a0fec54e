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
