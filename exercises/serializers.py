"""The shapes of the exercises API (API.md, "Exercises"). Output only: input is checked by services."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from exercises.models import Attempt, Exercise
from exercises.selectors import LearnerState


class ChoiceOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField(help_text="The choice as written (Markdown).")
    text_html = serializers.CharField(help_text="The choice rendered to sanitized HTML.")


class RevealedHintSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    text = serializers.CharField(help_text="The hint as written (Markdown).")
    html = serializers.CharField()


class LearnerStateSerializer(serializers.Serializer):
    attempts = serializers.IntegerField()
    passed = serializers.BooleanField()
    best_score = serializers.FloatField()
    hints = RevealedHintSerializer(many=True)
    solution_available = serializers.BooleanField()


class ExerciseSerializer(serializers.Serializer):
    """What a learner may see before answering: no correctness, no checks, no solution."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Exercise.Kind.choices)
    title = serializers.CharField()
    prompt_html = serializers.CharField()
    page = serializers.IntegerField(source="page_id")
    points = serializers.FloatField()
    multiple = serializers.BooleanField()
    choices = serializers.SerializerMethodField()
    starter_code = serializers.SerializerMethodField()
    snippet = serializers.SerializerMethodField()
    check_names = serializers.SerializerMethodField()
    hint_count = serializers.SerializerMethodField()
    hint_cost = serializers.FloatField()
    solution_visible = serializers.ChoiceField(choices=Exercise.SolutionVisibility.choices)
    state = serializers.SerializerMethodField()

    @extend_schema_field(ChoiceOutSerializer(many=True))
    def get_choices(self, exercise: Exercise) -> list[dict[str, Any]]:
        return [{"id": c.pk, "text": c.text_markdown, "text_html": c.text_html} for c in self.context["choices"]]

    @extend_schema_field(serializers.CharField())
    def get_starter_code(self, exercise: Exercise) -> str:
        return exercise.starter_code if exercise.kind == Exercise.Kind.CODING else ""

    @extend_schema_field(serializers.CharField(help_text="Predict the output: the code whose output to type."))
    def get_snippet(self, exercise: Exercise) -> str:
        return exercise.starter_code if exercise.kind == Exercise.Kind.PREDICT_OUTPUT else ""

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_check_names(self, exercise: Exercise) -> list[str]:
        # Names only (hidden ones too, as the checks table shows them); never their code.
        return [check["name"] for check in exercise.checks]

    @extend_schema_field(serializers.IntegerField())
    def get_hint_count(self, exercise: Exercise) -> int:
        return len(exercise.hints)

    @extend_schema_field(LearnerStateSerializer(allow_null=True))
    def get_state(self, exercise: Exercise) -> dict[str, Any] | None:
        state: LearnerState | None = self.context.get("state")
        if state is None:
            return None
        return {
            "attempts": state.attempts,
            "passed": state.passed,
            "best_score": state.best_score,
            "hints": state.hints,
            "solution_available": self.context["solution_available"],
        }


class FeedbackSerializer(serializers.Serializer):
    choice = serializers.IntegerField(allow_null=True, help_text="The chosen choice this is about, if any.")
    message = serializers.CharField(allow_blank=True, help_text="HTML for choices; plain text otherwise.")


class CheckResultSerializer(serializers.Serializer):
    name = serializers.CharField()
    passed = serializers.BooleanField()
    message = serializers.CharField(allow_blank=True)
    hidden = serializers.BooleanField()


class AttemptSerializer(serializers.ModelSerializer):
    exercise = serializers.IntegerField(source="exercise_id")
    kind = serializers.CharField(source="exercise.kind")
    points = serializers.FloatField(source="exercise.points")
    choices = serializers.ListField(source="choice_ids", child=serializers.IntegerField())
    feedback = FeedbackSerializer(many=True)
    checks = CheckResultSerializer(many=True)
    explanation_html = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attempt
        fields = (
            "id", "exercise", "kind", "status", "correct", "score", "points", "choices", "code", "feedback",
            "explanation_html", "checks", "stdout", "stderr", "error", "duration_ms", "hints_used", "created_at",
            "graded_at", "url",
        )  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_explanation_html(self, attempt: Attempt) -> str | None:
        # The explanation tells why the answer is right, so only a correct attempt carries it.
        if attempt.status == Attempt.Status.GRADED and attempt.correct and attempt.exercise.explanation_html:
            return attempt.exercise.explanation_html
        return None

    @extend_schema_field(serializers.URLField())
    def get_url(self, attempt: Attempt) -> str:
        return attempt_url(self.context.get("request"), attempt)


def attempt_url(request: Any, attempt: Attempt) -> str:
    path = reverse("api-attempt", kwargs={"attempt_id": attempt.pk})
    return request.build_absolute_uri(path) if request is not None else path


class AttemptQueuedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    # Always "queued" here; a choice set of its own keeps the schema's enum names readable.
    status = serializers.ChoiceField(choices=[(Attempt.Status.QUEUED.value, Attempt.Status.QUEUED.label)])
    url = serializers.URLField(help_text="GET it until status is graded or error.")


class AttemptRequestSerializer(serializers.Serializer):
    """Documentation of the body: ``choices`` for multiple choice and multi-select, ``code`` for
    coding, ``answer`` (what the snippet prints) for predict the output."""

    choices = serializers.ListField(child=serializers.IntegerField(), required=False)
    code = serializers.CharField(required=False, max_length=64 * 1024, trim_whitespace=False)
    answer = serializers.CharField(required=False, max_length=10_000, trim_whitespace=False)


class HintSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="0-based position of this hint.")
    text = serializers.CharField(help_text="The hint as written (Markdown).")
    html = serializers.CharField()
    remaining = serializers.IntegerField(help_text="Hints not revealed yet; 0 repeats the last one.")
    cost = serializers.FloatField(help_text="Points deducted from a later correct answer per revealed hint.")


class SolutionSerializer(serializers.Serializer):
    exercise = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Exercise.Kind.choices)
    solution_code = serializers.CharField(allow_blank=True)
    correct_choices = serializers.ListField(child=serializers.IntegerField())
    expected_output = serializers.CharField(allow_blank=True, help_text="Predict the output: what it prints.")
    explanation_html = serializers.CharField(allow_blank=True)
