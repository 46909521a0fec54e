// Authoring entry point: the Markdown editor (CodeMirror 6 with Markdown highlighting and line numbers, so problems
// reported as "line N" can be found), the live preview trigger, jumping to a problem's line,
// the exercise form's kind switch and keyboard focus after reordering the outline.
// Everything degrades to plain forms without JavaScript.
import { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection } from "@codemirror/view";
import { EditorState } from "@codemirror/state";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { markdown } from "@codemirror/lang-markdown";
import { LanguageDescription, syntaxHighlighting, defaultHighlightStyle } from "@codemirror/language";
import { python } from "@codemirror/lang-python";
import { yaml } from "@codemirror/lang-yaml";

// Fenced code in a page: Python in plain ```python blocks and in ```{runnable} examples; YAML
// in the directives whose body is a spec (```{exercise}, ```{explainlab}).
const fencedLanguages = [
  LanguageDescription.of({ name: "Python", alias: ["python", "py", "{runnable}"], support: python() }),
  LanguageDescription.of({ name: "YAML", alias: ["yaml", "yml", "{exercise}", "{explainlab}"], support: yaml() }),
];

// Colours from the page's CSS variables: the editor follows the light or dark theme.
const theme = EditorView.theme({
  "&": { fontSize: "14px", border: "1px solid var(--line)", borderRadius: "8px", backgroundColor: "var(--paper)", color: "var(--ink)" },
  ".cm-content": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace", padding: "8px 0", caretColor: "var(--ink)" },
  ".cm-gutters": { backgroundColor: "var(--paper-soft)", borderRight: "1px solid var(--line)", color: "var(--muted)", borderRadius: "8px 0 0 8px" },
  ".cm-activeLine": { backgroundColor: "var(--accent-soft)" },
  ".cm-activeLineGutter": { backgroundColor: "var(--accent-soft)" },
  "&.cm-focused": { outline: "3px solid #8fb0ff" },
  ".cm-line.gb-flash": { backgroundColor: "#fbeaea" },
});

function mountMarkdown(textarea) {
  if (textarea.dataset.mounted) return;
  textarea.dataset.mounted = "1";
  const label = document.querySelector(`label[for="${textarea.id}"]`);
  const view = new EditorView({
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        lineNumbers(),
        highlightActiveLine(),
        highlightActiveLineGutter(),
        drawSelection(),
        history(),
        EditorView.lineWrapping,
        markdown({ codeLanguages: fencedLanguages }),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
        theme,
        EditorView.updateListener.of((update) => {
          if (!update.docChanged) return;
          textarea.value = update.state.doc.toString();
          // The preview listens for input on the form; CodeMirror edits the DOM itself.
          textarea.dispatchEvent(new Event("input", { bubbles: true }));
        }),
        EditorView.contentAttributes.of({
          "aria-label": label ? label.textContent.trim() : "Page text (Markdown)",
          "aria-multiline": "true",
        }),
      ],
    }),
  });
  textarea.style.display = "none";
  textarea.insertAdjacentElement("afterend", view.dom);
  textarea.editorView = view;
  if (label) label.addEventListener("click", () => view.focus());
  const hint = document.createElement("p");
  hint.className = "editor-hint";
  hint.id = `${textarea.id}-keys`;
  hint.textContent = "Tab indents; press Esc then Tab to leave the editor.";
  view.dom.insertAdjacentElement("afterend", hint);
  view.contentDOM.setAttribute("aria-describedby", hint.id);
}

function gotoLine(number) {
  const textarea = document.querySelector('textarea[data-editor="markdown"]');
  if (!textarea) return;
  const view = textarea.editorView;
  if (!view) {
    // Plain textarea: select the line.
    const lines = textarea.value.split("\n");
    const start = lines.slice(0, number - 1).reduce((n, l) => n + l.length + 1, 0);
    textarea.focus();
    textarea.setSelectionRange(start, start + (lines[number - 1] || "").length);
    return;
  }
  const line = view.state.doc.line(Math.max(1, Math.min(number, view.state.doc.lines)));
  view.dispatch({ selection: { anchor: line.from, head: line.to }, scrollIntoView: true });
  view.focus();
}

function syncKind(form) {
  const select = form.querySelector('select[name="kind"]');
  if (!select) return;
  form.querySelectorAll("fieldset[data-kind]").forEach((fieldset) => {
    fieldset.hidden = !fieldset.dataset.kind.split(" ").includes(select.value);
  });
}

function focusMoved(outline) {
  const moved = outline.dataset.moved;
  if (!moved) return;
  const item = document.getElementById(moved);
  if (!item) return;
  const wanted = window.glassbookLastMove || "up";
  const button =
    item.querySelector(`.move-form button[value="${wanted}"]:not([disabled])`) ||
    item.querySelector(".move-form button:not([disabled])");
  if (button) button.focus();
  item.classList.add("is-moved");
  const status = document.getElementById("outline-status");
  const title = item.querySelector(".outline-title");
  if (status && title) status.textContent = `Moved ${title.textContent.trim()} ${wanted}.`;
}

function init(root) {
  root.querySelectorAll('textarea[data-editor="markdown"]').forEach(mountMarkdown);
  root.querySelectorAll("form.exercise-form").forEach(syncKind);
}

document.addEventListener("DOMContentLoaded", () => init(document));

document.addEventListener("click", (event) => {
  const link = event.target.closest("[data-goto-line]");
  if (link) {
    event.preventDefault();
    gotoLine(parseInt(link.dataset.gotoLine, 10));
    return;
  }
  const move = event.target.closest(".move-form button");
  if (move) window.glassbookLastMove = move.value;
});

document.addEventListener("change", (event) => {
  if (event.target.matches('form.exercise-form select[name="kind"]')) syncKind(event.target.form);
});

document.addEventListener("submit", (event) => {
  const button = event.submitter;
  if (button && button.dataset.busyLabel) {
    // Validation and imports run code in the sandbox and take seconds: say so.
    button.classList.add("is-busy");
    button.textContent = button.dataset.busyLabel;
  }
});

// After settling: htmx has wired up the new buttons by then, so Enter on the focused one works.
document.addEventListener("htmx:afterSettle", () => {
  const outline = document.getElementById("outline");
  if (outline && outline.dataset.moved) {
    focusMoved(outline);
    delete outline.dataset.moved; // handled once
  }
});

document.addEventListener("htmx:beforeRequest", (event) => {
  if (event.target.id === "preview") {
    const state = document.getElementById("preview-state");
    if (state) state.textContent = "updating…";
  }
});

document.addEventListener("htmx:afterRequest", (event) => {
  if (event.target.id === "preview") {
    const state = document.getElementById("preview-state");
    if (state) state.textContent = event.detail.successful ? "up to date" : "preview failed; keep typing or save";
  }
});

// Unsaved edits: leaving the page editor (a link, reload, closing the tab) asks first. Saving
// submits the form, which is not leaving.
let unsavedForm = null;
document.addEventListener("input", (event) => {
  const form = event.target.closest && event.target.closest("form#page-form");
  if (form) unsavedForm = form;
});
document.addEventListener("submit", (event) => {
  if (event.target === unsavedForm) unsavedForm = null;
});
window.addEventListener("beforeunload", (event) => {
  if (!unsavedForm) return;
  event.preventDefault();
  event.returnValue = ""; // older browsers show their own wording only when this is set
});
