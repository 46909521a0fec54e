"""Forms of the authoring area. They shape input; the services decide what is valid."""

from __future__ import annotations

from typing import Any

import yaml
from django import forms

from courseware.authoring.services import AuthoringError

SLUG_HELP = "Lowercase letters, digits and hyphens; part of every link. Leave empty to derive it from the title."


def apply_errors(form: forms.Form, error: AuthoringError) -> None:
    """Put a service's field errors on the form (unknown fields become form-wide errors)."""
    for name, messages in error.fields.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)


class CourseCreateForm(forms.Form):
    title = forms.CharField(max_length=200)
    slug = forms.CharField(max_length=80, required=False, help_text=SLUG_HELP)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000)
    language = forms.CharField(max_length=20, initial="en", help_text="A language tag such as en, de or fr-CH.")


class CourseSettingsForm(forms.Form):
    title = forms.CharField(max_length=200)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000)
    language = forms.CharField(max_length=20, help_text="A language tag such as en, de or fr-CH.")
    pass_mark = forms.IntegerField(
        min_value=0,
        max_value=100,
        label="Pass mark (%)",
        help_text="The share of all exercise points a learner needs for the certificate.",
    )
    pages_read = forms.ChoiceField(
        choices=[("all", "Every page must be read"), ("none", "Reading is not required")],
        label="Pages read",
    )

    @classmethod
    def for_course(cls, course: Any, data: Any = None) -> CourseSettingsForm:
        initial = {
            "title": course.title,
            "summary": course.summary,
            "language": course.language,
            "pass_mark": round(course.pass_mark * 100),
            "pages_read": "all" if course.require_all_pages else "none",
        }
        return cls(data=data, initial=initial)


class ChapterForm(forms.Form):
    title = forms.CharField(max_length=200)
    slug = forms.CharField(max_length=80, required=False, help_text=SLUG_HELP)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)


class PageCreateForm(forms.Form):
    title = forms.CharField(max_length=200, label="New page title")
    slug = forms.CharField(max_length=80, required=False, help_text=SLUG_HELP)


class PageEditForm(forms.Form):
    title = forms.CharField(max_length=200)
    slug = forms.CharField(max_length=80, help_text="Lowercase letters, digits and hyphens.")
    published = forms.BooleanField(required=False, help_text="Learners see published pages of a published course.")
    markdown = forms.CharField(
        required=False,
        strip=False,  # the text is stored as written; line numbers must match the editor's
        label="Page text (Markdown)",
        widget=forms.Textarea(
            attrs={"rows": 28, "data-editor": "markdown", "spellcheck": "true", "aria-describedby": "markdown-help"}
        ),
    )
    version = forms.CharField(required=False, widget=forms.HiddenInput)


class CoauthorForm(forms.Form):
    username = forms.CharField(max_length=150, label="Username of an instructor")


class BundleUploadForm(forms.Form):
    bundle = forms.FileField(
        label="Course bundle (.zip)",
        help_text="A zip of a course folder: course.yaml and numbered chapter folders of Markdown pages.",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )


# --- the exercise editor --------------------------------------------------------------------------


def kind_choices() -> list[tuple[str, str]]:
    from exercises import kinds

    return kinds.choices()


def _kind_only_keys() -> frozenset[str]:
    from exercises import kinds

    return frozenset().union(*(kind.yaml_keys for kind in kinds.KINDS.values()))


class ExerciseForm(forms.Form):
    kind = forms.ChoiceField(choices=kind_choices)
    id = forms.RegexField(
        regex=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$",
        max_length=100,
        label="Id",
        help_text="Unique in the course and stable across edits: attempts are kept by it.",
        error_messages={"invalid": "Lowercase letters, digits, single hyphens or underscores."},
    )
    title = forms.CharField(max_length=200)
    prompt = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), help_text="Markdown.")
    points = forms.FloatField(min_value=0.01, initial=1)
    explanation = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="Shown after a correct answer. Markdown."
    )
    # multiple choice
    multiple = forms.BooleanField(required=False, label="Several choices are correct")
    shuffle = forms.BooleanField(required=False, initial=True, label="Shuffle the choices")
    # coding
    starter = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "data-editor": "python", "aria-label": "Starter code"}),
        help_text="What learners start from. It must fail at least one check.",
    )
    solution = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "data-editor": "python", "aria-label": "Solution"}),
        help_text="The reference solution. It runs alone in its own sandbox; checks compare what they observe in it with the learner's.",
    )
    # predict the output
    snippet = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "data-editor": "python", "aria-label": "Snippet"}),
        help_text="The code learners read. It runs in the sandbox when saved; what it prints is the answer.",
    )
    answer = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        label="Expected output (optional)",
        help_text="Leave empty to take what the snippet prints; if given, saving checks that it matches.",
    )
    hint_cost = forms.FloatField(min_value=0, initial=0, required=False, label="Points deducted per hint")
    solution_visible = forms.ChoiceField(
        choices=[
            ("after_pass", "After passing"),
            ("after_attempts", "After some attempts"),
            ("always", "Always"),
            ("never", "Never"),
        ],
        initial="after_pass",
        label="Learners may see the solution",
    )
    solution_after_attempts = forms.IntegerField(min_value=1, required=False, label="…after this many attempts")


class ChoiceForm(forms.Form):
    key = forms.CharField(required=False, widget=forms.HiddenInput)
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 1}), label="Choice")
    correct = forms.BooleanField(required=False)
    feedback = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 1}))


class CheckForm(forms.Form):
    """One check: an expression observed in the learner's program, and how it is judged."""

    name = forms.CharField(required=False, max_length=200)
    observe = forms.CharField(
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 1, "data-editor": "python", "aria-label": "Observe"}),
        help_text='One Python expression, evaluated in the learner\'s program, e.g. params(model, "C") or shape(X).',
    )
    expect = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 1, "aria-label": "Expected value (YAML)"}),
        help_text="A value in YAML (3, [5, 20], {max_depth: 2}). Empty: compare with the solution's observation.",
    )
    close_rel = forms.FloatField(required=False, min_value=0, label="Relative tolerance")
    close_abs = forms.FloatField(required=False, min_value=0, label="Absolute tolerance")
    judge = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "data-editor": "python", "aria-label": "Judge (Python)"}),
        help_text='Optional predicate over observed and reference, e.g. expect(observed > 0.9, "...").',
    )
    message = forms.CharField(required=False, max_length=500, help_text="Shown when the check fails.")
    hidden = forms.BooleanField(
        required=False, help_text="Learners see only its name, pass/fail and your message, never the expected value."
    )

    def clean_expect(self) -> Any:
        text = self.cleaned_data.get("expect", "")
        if not text.strip():
            return _NO_EXPECTATION
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise forms.ValidationError(f"Not valid YAML: {getattr(exc, 'problem', None) or exc}") from exc


_NO_EXPECTATION = object()


class HintForm(forms.Form):
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 1}), label="Hint")


ChoiceFormSet = forms.formset_factory(ChoiceForm, extra=0, max_num=20)
CheckFormSet = forms.formset_factory(CheckForm, extra=0, max_num=20)
HintFormSet = forms.formset_factory(HintForm, extra=0, max_num=10)


class ExerciseEditor:
    """The exercise form and its three lists (choices, checks, hints), to and from the YAML data."""

    BLANK_CHOICES = 4
    BLANK_ROWS = 2

    def __init__(self, data: dict[str, Any] | None = None, post: Any = None, *, more: bool = False) -> None:
        self.original = dict(data or {})
        if post is not None and not more:
            self.form = ExerciseForm(post)
            self.choices = ChoiceFormSet(post, prefix="choices")
            self.checks = CheckFormSet(post, prefix="checks")
            self.hints = HintFormSet(post, prefix="hints")
            return
        if post is not None:
            # "More rows": keep what was typed and add blank rows, without validating yet.
            typed = ExerciseEditor(self.original, post)
            typed.is_valid()
            data = typed.data()
        initial = self._initial(data or {})
        blanks = self.BLANK_ROWS if (data or more) else self.BLANK_CHOICES
        self.form = ExerciseForm(initial=initial["form"])
        self.choices = ChoiceFormSet(initial=initial["choices"] + [{}] * blanks, prefix="choices")
        self.checks = CheckFormSet(initial=initial["checks"] + [{}] * self.BLANK_ROWS, prefix="checks")
        self.hints = HintFormSet(initial=initial["hints"] + [{}] * self.BLANK_ROWS, prefix="hints")

    @staticmethod
    def _initial(data: dict[str, Any]) -> dict[str, Any]:
        form = {key: data[key] for key in ExerciseForm.base_fields if key in data}
        form.setdefault("kind", "multiple_choice")
        form.setdefault("points", 1)
        form.setdefault("shuffle", True)
        form.setdefault("solution_visible", "after_pass")
        choices = [
            {
                "key": str(c.get("id", "")),
                "text": c.get("text", ""),
                "correct": bool(c.get("correct")),
                "feedback": c.get("feedback", ""),
            }
            for c in data.get("choices") or []
            if isinstance(c, dict)
        ]
        checks = [_check_initial(c) for c in data.get("checks") or [] if isinstance(c, dict)]
        hints = [{"text": h} for h in data.get("hints") or [] if isinstance(h, str)]
        return {"form": form, "choices": choices, "checks": checks, "hints": hints}

    def is_valid(self) -> bool:
        return all(part.is_valid() for part in (self.form, self.choices, self.checks, self.hints))

    def data(self) -> dict[str, Any]:
        """The block's YAML data. Keys the editor has no field for are kept as they were."""
        cleaned = getattr(self.form, "cleaned_data", {})
        out = dict(self.original)
        kind = cleaned.get("kind") or out.get("kind") or "multiple_choice"
        for key in _kind_only_keys():
            out.pop(key, None)
        for key in ("solution_visible", "solution_after_attempts", "explanation", "hints", "hint_cost"):
            out.pop(key, None)
        out["id"] = cleaned.get("id", out.get("id", ""))
        out["kind"] = kind
        out["title"] = " ".join((cleaned.get("title") or "").split())
        points = cleaned.get("points") or 1
        out["points"] = int(points) if float(points).is_integer() else points
        out["prompt"] = _text(cleaned.get("prompt", ""))
        if cleaned.get("explanation", "").strip():
            out["explanation"] = _text(cleaned["explanation"])
        hints = [_text(f.cleaned_data["text"]) for f in self.hints if f.cleaned_data.get("text", "").strip()]
        if hints:
            out["hints"] = hints
        if cleaned.get("hint_cost"):
            out["hint_cost"] = cleaned["hint_cost"]
        if kind in ("multiple_choice", "multi_select"):
            if cleaned.get("multiple") and kind == "multiple_choice":
                out["multiple"] = True
            if not cleaned.get("shuffle", True):
                out["shuffle"] = False
            choices = []
            for choice_form in self.choices:
                row = choice_form.cleaned_data
                if not row.get("text", "").strip():
                    continue
                choice: dict[str, Any] = {"text": _text(row["text"])}
                if row.get("correct"):
                    choice["correct"] = True
                if row.get("feedback", "").strip():
                    choice["feedback"] = _text(row["feedback"])
                if row.get("key", "").strip():
                    choice["id"] = row["key"].strip()
                choices.append(choice)
            out["choices"] = choices
        elif kind == "predict_output":
            out["snippet"] = _code(cleaned.get("snippet", ""))
            if cleaned.get("answer", "").strip():
                out["answer"] = _code(cleaned["answer"])
            self._solution_visibility(cleaned, out)
        else:
            out["starter"] = _code(cleaned.get("starter", ""))
            out["solution"] = _code(cleaned.get("solution", ""))
            checks = []
            for check_form in self.checks:
                row = check_form.cleaned_data
                if not (row.get("name", "").strip() or row.get("observe", "").strip()):
                    continue
                checks.append(_check_data(row))
            out["checks"] = checks
            self._solution_visibility(cleaned, out)
        return out

    @staticmethod
    def _solution_visibility(cleaned: dict[str, Any], out: dict[str, Any]) -> None:
        visible = cleaned.get("solution_visible") or "after_pass"
        if visible != "after_pass":
            out["solution_visible"] = visible
        if visible == "after_attempts":
            out["solution_after_attempts"] = cleaned.get("solution_after_attempts") or 3


def _check_initial(check: dict[str, Any]) -> dict[str, Any]:
    close: dict[str, Any] = check["close"] if isinstance(check.get("close"), dict) else {}
    expect = ""
    if "expect" in check:
        expect = yaml.safe_dump(check["expect"], default_flow_style=True, allow_unicode=True, sort_keys=False)
        expect = expect.strip().removesuffix("...").strip()
    return {
        "name": check.get("name", ""),
        "observe": check.get("observe", ""),
        "expect": expect,
        "close_rel": close.get("rel") if check.get("close") is not True else 1e-6,
        "close_abs": close.get("abs"),
        "judge": check.get("judge", ""),
        "message": check.get("message", ""),
        "hidden": bool(check.get("hidden")),
    }


def _check_data(row: dict[str, Any]) -> dict[str, Any]:
    """One check's YAML data, in the order docs/content-format.md writes it."""
    check: dict[str, Any] = {"name": row.get("name", "").strip(), "observe": _text(row.get("observe", ""))}
    if row.get("expect", _NO_EXPECTATION) is not _NO_EXPECTATION:
        check["expect"] = row["expect"]
    tolerance = {key: row[f"close_{key}"] for key in ("rel", "abs") if row.get(f"close_{key}") is not None}
    if tolerance:
        check["close"] = tolerance
    if row.get("judge", "").strip():
        check["judge"] = _code(row["judge"])
    if row.get("message", "").strip():
        check["message"] = " ".join(row["message"].split())
    if row.get("hidden"):
        check["hidden"] = True
    return check


def _text(value: str) -> str:
    """Prose as YAML writes it most legibly: no trailing spaces, one final newline when it
    spans several lines (a literal block), none when it is a single line."""
    lines = [line.rstrip() for line in (value or "").replace("\r\n", "\n").strip("\n").split("\n")]
    text = "\n".join(lines)
    return text + "\n" if len(lines) > 1 else text


def _code(value: str) -> str:
    lines = [line.rstrip() for line in (value or "").replace("\r\n", "\n").strip("\n").split("\n")]
    text = "\n".join(lines)
    return text + "\n" if text else ""
