// Code editor entry point: every <textarea data-editor="python"> becomes a CodeMirror 6
// editor that writes back into its textarea, so ordinary forms (and htmx) submit the code.
import { basicSetup } from "codemirror";
import { EditorView, keymap } from "@codemirror/view";
import { Prec } from "@codemirror/state";
import { indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { tags } from "@lezer/highlight";

// Colours come from the page's CSS variables, so the editor follows the light or dark theme.
const theme = EditorView.theme({
  "&": { fontSize: "14px", border: "1px solid var(--line)", borderRadius: "8px", backgroundColor: "var(--paper)", color: "var(--ink)" },
  ".cm-content": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace", caretColor: "var(--ink)" },
  ".cm-gutters": { backgroundColor: "var(--paper-soft)", color: "var(--muted)", borderRight: "1px solid var(--line)", borderRadius: "8px 0 0 8px" },
  ".cm-activeLine, .cm-activeLineGutter": { backgroundColor: "var(--accent-soft)" },
  "&.cm-focused": { outline: "3px solid #8fb0ff" },
});

// Token colours with at least 4.5:1 contrast on both themes (see --code-* in glassbook.css).
const readable = HighlightStyle.define([
  { tag: tags.keyword, color: "var(--code-keyword)" },
  { tag: [tags.string, tags.special(tags.string)], color: "var(--code-string)" },
  { tag: [tags.number, tags.bool, tags.null], color: "var(--code-number)" },
  { tag: [tags.comment], color: "var(--code-comment)", fontStyle: "italic" },
  { tag: [tags.function(tags.variableName), tags.definition(tags.variableName)], color: "var(--code-function)" },
]);

// A short line under each editor: Tab indents inside it, so say how to leave.
let hintCount = 0;
function addHint(view) {
  const hint = document.createElement("p");
  hint.className = "editor-hint";
  hint.id = `editor-hint-${++hintCount}`;
  hint.textContent = "Ctrl+Enter runs. Tab indents; press Esc then Tab to leave the editor.";
  view.dom.insertAdjacentElement("afterend", hint);
  view.contentDOM.setAttribute("aria-describedby", hint.id);
}

function mount(textarea) {
  if (textarea.dataset.mounted) return;
  textarea.dataset.mounted = "1";
  const form = textarea.form;
  const view = new EditorView({
    doc: textarea.value,
    extensions: [
      basicSetup,
      python(),
      Prec.high(syntaxHighlighting(readable)),
      theme,
      // Highest precedence: the default keymap binds Mod-Enter to "insert blank line".
      Prec.highest(keymap.of([
        indentWithTab,
        {
          key: "Mod-Enter",
          run: () => {
            // Ctrl/Cmd+Enter runs the code, like a notebook.
            const run = form && form.querySelector("[data-run-button]");
            if (run) run.click();
            return true;
          },
        },
      ])),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) textarea.value = update.state.doc.toString();
      }),
      EditorView.contentAttributes.of({ "aria-label": textarea.getAttribute("aria-label") || "Code editor" }),
    ],
  });
  textarea.style.display = "none";
  textarea.insertAdjacentElement("afterend", view.dom);
  textarea.editorView = view;
  addHint(view);
}

function setCode(textarea, code) {
  textarea.value = code;
  const view = textarea.editorView;
  if (view) view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: code } });
}

function mountAll(root) {
  root.querySelectorAll('textarea[data-editor="python"]').forEach(mount);
}

document.addEventListener("DOMContentLoaded", () => mountAll(document));
document.addEventListener("htmx:afterSwap", (event) => mountAll(event.target));

// A Reset button puts back the original code (kept in a <template> next to the editor).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-reset-editor]");
  if (!button) return;
  const textarea = document.getElementById(button.dataset.resetEditor);
  const original = document.getElementById(button.dataset.resetEditor + "-original");
  if (textarea && original) setCode(textarea, original.content.textContent);
});

window.glassbookEditor = { mountAll, setCode };
