from django.contrib import admin

from courseware.models import Chapter, Course, CourseProgress, Enrollment, Page


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "published", "owner", "page_count")
    list_filter = ("published",)
    search_fields = ("title", "slug")
    filter_horizontal = ("coauthors",)


@admin.register(Chapter)
class ChapterAdmin(admin.ModelAdmin):
    list_display = ("title", "course", "position")
    list_filter = ("course",)


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ("title", "course", "chapter", "position", "published", "reading_minutes")
    list_filter = ("course", "published")
    search_fields = ("title",)
    readonly_fields = ("html", "search_text", "toc")
    exclude = ("search_vector",)


admin.site.register(Enrollment)
admin.site.register(CourseProgress)
