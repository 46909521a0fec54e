// Code editor entry point: every <textarea data-editor="python"> becomes a CodeMirror 6
// editor that writes back into its textarea, so ordinary forms (and htmx) submit the code.
import { basicSetup } from "codemirror";
import { EditorView, keymap } from "@codemirror/view";
import { Prec } from "@codemirror/state";
import { indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";

const theme = EditorView.theme({
  "&": { fontSize: "14px", border: "1px solid #e3e6eb", borderRadius: "8px", backgroundColor: "#fbfbfd" },
  ".cm-content": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" },
  ".cm-gutters": { backgroundColor: "#f6f7f9", borderRight: "1px solid #e3e6eb", borderRadius: "8px 0 0 8px" },
  "&.cm-focused": { outline: "3px solid #8fb0ff" },
});

function mount(textarea) {
  if (textarea.dataset.mounted) return;
  textarea.dataset.mounted = "1";
  const form = textarea.form;
  const view = new EditorView({
    doc: textarea.value,
    extensions: [
      basicSetup,
      python(),
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
