from django.apps import AppConfig


class CoursewareConfig(AppConfig):
    name = "courseware"
    verbose_name = "Courses"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from courseware.models import Chapter, Course, Page
        from courseware.page_cache import bump_content_version

        for model in (Course, Chapter, Page):
            post_save.connect(bump_content_version, sender=model, dispatch_uid=f"content-version-save-{model.__name__}")
            post_delete.connect(
                bump_content_version, sender=model, dispatch_uid=f"content-version-delete-{model.__name__}"
            )
        m2m_changed.connect(
            bump_content_version, sender=Course.coauthors.through, dispatch_uid="content-version-coauthors"
        )
