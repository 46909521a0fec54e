from django.contrib import admin

from exercises.models import Attempt, Choice, Exercise, HintReveal


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 0
    fields = ("position", "key", "text_markdown", "correct")
    readonly_fields = fields
    can_delete = False


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
    # Exercises come from the course files; editing them here would be undone by the next import.
    list_display = ("key", "title", "kind", "course", "page", "points")
    list_filter = ("kind", "course")
    search_fields = ("key", "title")
    raw_id_fields = ("course", "page")
    readonly_fields = ("verified_hash", "updated_at")
    inlines = [ChoiceInline]


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "exercise", "status", "correct", "score", "created_at")
    list_filter = ("status", "correct")
    raw_id_fields = ("user", "exercise")
    readonly_fields = ("created_at", "graded_at", "duration_ms")


@admin.register(HintReveal)
class HintRevealAdmin(admin.ModelAdmin):
    list_display = ("user", "exercise", "index", "revealed_at")
    raw_id_fields = ("user", "exercise")
