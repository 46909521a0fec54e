// Exercise widgets: htmx (reader.js) does the round-trips; this adds the few local touches.
//
// A button with data-set-editor="<textarea id>" and data-source="<template id>" puts the
// template's text into that code editor (used by "Copy into the editor" under a solution).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-set-editor]");
  if (!button) return;
  const textarea = document.getElementById(button.dataset.setEditor);
  const source = document.getElementById(button.dataset.source);
  if (!textarea || !source) return;
  const code = source.content.textContent;
  if (window.glassbookEditor) {
    window.glassbookEditor.setCode(textarea, code);
  } else {
    textarea.value = code;
  }
  textarea.closest(".exercise")?.scrollIntoView({ block: "nearest" });
});

// After answering, a screen reader hears the verdict (aria-live); sighted keyboard users get the
// focus moved to it, so Tab continues from the feedback instead of from the top of the form.
document.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail && event.detail.target;
  if (!target || !target.classList || !target.classList.contains("exercise-panel")) return;
  const verdict = target.querySelector(".exercise-verdict:not(.is-pending)");
  const source = event.detail.requestConfig && event.detail.requestConfig.elt;
  if (verdict && source && source.tagName === "FORM") {
    verdict.setAttribute("tabindex", "-1");
    verdict.focus({ preventScroll: false });
  }
});
