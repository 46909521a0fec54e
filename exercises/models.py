"""Exercises (from the course files), learners' attempts at them, and revealed hints.

Exercise and Choice rows are written only by the ``{exercise}`` directive's ``sync`` when a
course is imported; learners write Attempt and HintReveal rows through ``services``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q


class Exercise(models.Model):
    class Kind(models.TextChoices):
        # One per module of exercises/kinds/ (the registry says how each is read and graded).
        MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"
        MULTI_SELECT = "multi_select", "Multi-select"
        CODING = "coding", "Coding"
        PREDICT_OUTPUT = "predict_output", "Predict the output"

    class SolutionVisibility(models.TextChoices):
        AFTER_PASS = "after_pass", "After passing"
        AFTER_ATTEMPTS = "after_attempts", "After some attempts"
        ALWAYS = "always", "Always"
        NEVER = "never", "Never"

    course = models.ForeignKey("courseware.Course", on_delete=models.CASCADE, related_name="exercises")
    # Null once the exercise is gone from the course files: the row and its attempts stay, hidden
    # from learners and progress, and come back if an exercise with the same id reappears.
    page = models.ForeignKey(
        "courseware.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="exercises"
    )
    key = models.CharField(max_length=100, help_text="The directive's `id`, unique within the course.")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    prompt_markdown = models.TextField()
    prompt_html = models.TextField()
    position = models.PositiveIntegerField(default=0, help_text="Order among the exercises of its page.")
    points = models.FloatField(default=1)
    multiple = models.BooleanField(default=False)
    shuffle = models.BooleanField(default=True)
    explanation_html = models.TextField(blank=True)
    # Coding: the code learners start from; predict the output: the snippet they read.
    starter_code = models.TextField(blank=True)
    solution_code = models.TextField(blank=True)
    # Predict the output: what the snippet prints (normalised), computed in the sandbox at import.
    expected_output = models.TextField(blank=True)
    # [{"name", "observe", "hidden", "expect", "close", "judge", "message"}] (exercises.spec.CheckSpec).
    # Only the observe expressions ever enter a sandbox child that runs learner code.
    checks = models.JSONField(default=list, blank=True)
    # [{"markdown", "html"}] in the order they are revealed.
    hints = models.JSONField(default=list, blank=True)
    hint_cost = models.FloatField(default=0)
    solution_visible = models.CharField(
        max_length=20, choices=SolutionVisibility.choices, default=SolutionVisibility.AFTER_PASS
    )
    solution_after_attempts = models.PositiveIntegerField(null=True, blank=True)
    # Hash of starter + solution + checks (+ check library) last proven in the sandbox, so an
    # unchanged exercise is not run again on every import.
    verified_hash = models.CharField(max_length=64, blank=True)
    # The reference solution's observation for each check (plain JSON), computed in a sandbox
    # child that runs only the solution; valid while ``reference_key`` matches
    # exercises.grading.reference_key(solution, checks).
    reference_observations = models.JSONField(null=True, blank=True)
    reference_key = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["course_id", "page_id", "position"]
        constraints = [models.UniqueConstraint(fields=["course", "key"], name="exercise_key_unique_in_course")]
        indexes = [models.Index(fields=["page", "position"], name="exercise_page_position")]

    def __str__(self) -> str:
        return f"{self.key}: {self.title}"

    @property
    def is_coding(self) -> bool:
        return self.kind == self.Kind.CODING

    @property
    def kind_handler(self) -> Any:
        """The module of exercises/kinds/ that reads and grades this kind."""
        from exercises import kinds

        return kinds.get(self.kind)


class Choice(models.Model):
    """One answer of a multiple-choice exercise.

    ``key`` is the choice's ``id`` from the file or, by default, its position ("1", "2", …).
    A re-import updates the row with the same key in place, so fixing a typo keeps the row (and
    the attempts that chose it); reorder choices without an ``id`` and an old attempt's choice
    then points at whatever now holds that position (its grade stays as it was).
    """

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="choices")
    key = models.CharField(max_length=100)
    text_markdown = models.TextField()
    text_html = models.TextField()
    correct = models.BooleanField(default=False)
    feedback_html = models.TextField(blank=True)
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["exercise_id", "position"]
        constraints = [models.UniqueConstraint(fields=["exercise", "key"], name="choice_key_unique_in_exercise")]

    def __str__(self) -> str:
        return f"{self.exercise.key}/{self.key}"


class Attempt(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        GRADED = "graded", "Graded"
        ERROR = "error", "Error"

    FINAL = (Status.GRADED, Status.ERROR)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts")
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="attempts")
    # Multiple choice: the chosen Choice ids. Coding: the submitted code.
    choice_ids = models.JSONField(default=list, blank=True)
    code = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    correct = models.BooleanField(null=True, blank=True)
    # Points earned: the exercise's points less the cost of hints revealed before submitting.
    score = models.FloatField(default=0)
    hints_used = models.PositiveIntegerField(default=0)
    # Multiple choice: [{"choice": id, "message": html}]; coding: [{"choice": null, "message": text}].
    feedback = models.JSONField(default=list, blank=True)
    # [{"name", "passed", "message", "hidden"}], as judged outside the learner's process.
    checks = models.JSONField(default=list, blank=True)
    stdout = models.TextField(blank=True)
    stderr = models.TextField(blank=True)
    error = models.TextField(blank=True, help_text="The learner's traceback, when their code raised.")
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "exercise"], name="attempt_user_exercise"),
            models.Index(fields=["status"], name="attempt_open", condition=Q(status__in=["queued", "running"])),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.exercise.key}: {self.status}"

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL


class HintReveal(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hint_reveals")
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="hint_reveals")
    index = models.PositiveIntegerField()
    revealed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["exercise_id", "index"]
        constraints = [
            models.UniqueConstraint(fields=["user", "exercise", "index"], name="one_reveal_per_hint"),
        ]

    def __str__(self) -> str:
        return f"{self.user} saw hint {self.index} of {self.exercise.key}"
