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

// Anonymous readers get the page without a CSRF token, so an answer they submit could only fail.
// The panel says they must log in (data-login-required); instead of posting, say it again next
// to the button, with the link, and keep what they typed or chose.
document.addEventListener("htmx:beforeRequest", (event) => {
  const form = event.detail && event.detail.elt;
  if (!form || form.tagName !== "FORM" || !form.classList.contains("exercise-form")) return;
  const widget = form.closest(".exercise");
  const login = widget && widget.querySelector("[data-login-required]");
  if (!login) return;
  event.preventDefault();
  let note = form.querySelector(".exercise-login-needed");
  if (!note) {
    note = document.createElement("p");
    note.className = "exercise-message exercise-login-needed";
    note.setAttribute("role", "alert");
    const link = document.createElement("a");
    link.href = login.dataset.loginUrl;
    link.textContent = "Log in";
    note.append(link, " to check your answer; what you wrote stays here.");
    form.append(note);
  }
  note.querySelector("a").focus();
});
