"""The authoring area in the browser. Thin: permission, form, service, template.

Everyone who is not an instructor (or staff) gets 404 on every page here, and every course
is fetched through ``selectors.get_course_for_author``, which 404s for courses the user may
not author — so the area does not even reveal which courses exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse

from courseware import selectors as reader_selectors
from courseware.authoring import analytics, selectors, services
from courseware.authoring.bundles import BundleRejected, declared_too_large, export_course, max_upload_bytes
from courseware.authoring.charts import CHARTS
from courseware.authoring.exercise_blocks import exercise_blocks, validate_exercise
from courseware.authoring.forms import (
    BundleUploadForm,
    ChapterForm,
    CoauthorForm,
    CourseCreateForm,
    CourseSettingsForm,
    ExerciseEditor,
    PageCreateForm,
    PageEditForm,
    apply_errors,
)
from courseware.authoring.validation import PageDraft, render_preview
from courseware.importer import ImportFailed
from courseware.models import Course, Page
from courseware.views import reader_page_context

View = Callable[..., HttpResponse]


def author_area(*methods: str) -> Callable[[View], View]:
    """Login required; then instructors and staff only, and for a course URL only its authors
    (via ``get_course_for_author``, passed to the view as ``course``). Everyone else gets 404 —
    before the method is even looked at, so nothing here reveals what exists."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not selectors.is_author_user(request.user):
                raise Http404("No such page.")
            if "slug" in kwargs:
                kwargs["course"] = selectors.get_course_for_author(request.user, kwargs.pop("slug"))
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorate


def _course_url(course: Course) -> str:
    return reverse("authoring:course", kwargs={"slug": course.slug})


def _page_url(page: Page) -> str:
    return reverse("authoring:page", kwargs={"slug": page.course.slug, "page_id": page.pk})


def _direction(request: HttpRequest) -> int:
    return -1 if request.POST.get("direction") == "up" else 1


def upload_too_large(request: HttpRequest) -> bool:
    if declared_too_large(request.META):
        return True
    upload = request.FILES.get("bundle")
    return bool(upload and upload.size and upload.size > max_upload_bytes())


# --- dashboard and courses ------------------------------------------------------------------------


@author_area("GET")
def dashboard(request: HttpRequest) -> HttpResponse:
    courses = list(selectors.courses_for_author(request.user))
    rows = [{"course": c, "owned": c.owner_id == request.user.pk} for c in courses]
    return render(request, "authoring/dashboard.html", {"rows": rows})


@author_area("GET", "POST")
def course_create(request: HttpRequest) -> HttpResponse:
    form = CourseCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.create_course(owner=request.user, **form.cleaned_data)
        except services.AuthoringError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Created “{course.title}”. Add a chapter to begin.")
            return redirect(_course_url(course))
    return render(request, "authoring/course_form.html", {"form": form, "creating": True})


@author_area("GET", "POST")
def course_import(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and upload_too_large(request):
        form = BundleUploadForm()
        context = {"form": form, "problems": [f"bundle: the upload is larger than {max_upload_bytes()} bytes"]}
        return render(request, "authoring/import.html", context, status=413)
    form = BundleUploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            summary = services.import_bundle(user=request.user, data=form.cleaned_data["bundle"].read())
        except BundleRejected as exc:
            problems, status = exc.problems, 400
        except ImportFailed as exc:
            problems, status = [str(p) for p in exc.problems], 400
        except services.CourseTaken as exc:
            if exc.visible:
                problems, status = [f"The course '{exc.slug}' exists and you are not one of its authors."], 403
            else:
                problems, status = [f"No course '{exc.slug}' that you may author; choose another slug."], 404
        else:
            verb = "Created" if summary.created else "Updated"
            messages.success(request, f"{verb} '{summary.slug}': {summary.pages} pages, {summary.exercises} exercises.")
            return redirect(reverse("authoring:course", kwargs={"slug": summary.slug}))
    elif request.method == "POST":
        status = 400
    return render(request, "authoring/import.html", {"form": form, "problems": problems}, status=status)


def _course_editor(request: HttpRequest, course: Course, *, status: int = 200, **extra: Any) -> HttpResponse:
    outline = selectors.author_outline(course)
    page_forms = extra.pop("page_forms", {})
    for chapter in outline.chapters:
        chapter.add_form = page_forms.get(chapter.pk) or PageCreateForm(prefix=f"page-{chapter.pk}")  # type: ignore[attr-defined]
    context = {
        "course": course,
        "outline": outline,
        "is_owner": selectors.is_owner(request.user, course),
        "chapter_form": extra.pop("chapter_form", None) or ChapterForm(prefix="chapter"),
        **extra,
    }
    template = "authoring/_outline.html" if request.headers.get("HX-Request") else "authoring/course.html"
    return render(request, template, context, status=status)


@author_area("GET")
def course_edit(request: HttpRequest, course: Course) -> HttpResponse:
    return _course_editor(request, course)


@author_area("GET", "POST")
def course_settings(request: HttpRequest, course: Course) -> HttpResponse:
    form = CourseSettingsForm.for_course(course, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_course(
                course=course,
                title=data["title"],
                summary=data["summary"],
                language=data["language"],
                pass_mark=data["pass_mark"] / 100,
                require_all_pages=data["pages_read"] == "all",
            )
        except services.AuthoringError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Saved the course settings.")
            return redirect(_course_url(course))
    return render(request, "authoring/course_form.html", {"form": form, "course": course, "creating": False})


@author_area("POST")
def course_publish(request: HttpRequest, course: Course) -> HttpResponse:
    publish = request.POST.get("published") == "1"
    try:
        services.set_course_published(course=course, published=publish)
    except services.AuthoringError as exc:
        messages.error(request, "; ".join(m for msgs in exc.fields.values() for m in msgs))
    else:
        messages.success(request, "The course is published." if publish else "The course is a draft again.")
    return redirect(_course_url(course))


@author_area("GET")
def course_export(request: HttpRequest, course: Course) -> HttpResponse:
    response = HttpResponse(export_course(course), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{course.slug}.zip"'
    return response


@author_area("GET", "POST")
def course_authors(request: HttpRequest, course: Course) -> HttpResponse:
    is_owner = selectors.is_owner(request.user, course)
    form = CoauthorForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not is_owner:
            raise PermissionDenied("Only the course's owner adds co-authors.")
        if form.is_valid():
            try:
                user = services.add_coauthor(course=course, actor=request.user, username=form.cleaned_data["username"])
            except services.AuthoringError as exc:
                apply_errors(form, exc)
                status = 400
            else:
                messages.success(request, f"{user.username} is now a co-author.")
                return redirect(reverse("authoring:authors", kwargs={"slug": course.slug}))
        else:
            status = 400
    context = {
        "course": course,
        "form": form,
        "is_owner": is_owner,
        "coauthors": list(course.coauthors.order_by("username")),
    }
    return render(request, "authoring/authors.html", context, status=status)


@author_area("POST")
def coauthor_remove(request: HttpRequest, course: Course, user_id: int) -> HttpResponse:
    user = course.coauthors.filter(pk=user_id).first()
    if user is None:
        raise Http404("No such co-author.")
    services.remove_coauthor(course=course, actor=request.user, user=user)
    messages.success(request, f"{user.username} is no longer a co-author.")
    if user.pk == request.user.pk:
        return redirect("authoring:dashboard")
    return redirect(reverse("authoring:authors", kwargs={"slug": course.slug}))


# --- chapters -------------------------------------------------------------------------------------


@author_area("POST")
def chapter_add(request: HttpRequest, course: Course) -> HttpResponse:
    form = ChapterForm(request.POST, prefix="chapter")
    if form.is_valid():
        try:
            services.add_chapter(course=course, **form.cleaned_data)
        except services.AuthoringError as exc:
            apply_errors(form, exc)
        else:
            return redirect(_course_url(course))
    return _course_editor(request, course, chapter_form=form, status=400)


@author_area("GET", "POST")
def chapter_edit(request: HttpRequest, course: Course, chapter_id: int) -> HttpResponse:
    chapter = selectors.get_chapter_in_course(course, chapter_id)
    initial = {"title": chapter.title, "slug": chapter.slug, "summary": chapter.summary}
    form = ChapterForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_chapter(chapter=chapter, **form.cleaned_data)
        except services.AuthoringError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Saved the chapter.")
            return redirect(_course_url(course))
    return render(request, "authoring/chapter_form.html", {"course": course, "chapter": chapter, "form": form})


@author_area("POST")
def chapter_move(request: HttpRequest, course: Course, chapter_id: int) -> HttpResponse:
    chapter = selectors.get_chapter_in_course(course, chapter_id)
    services.move_chapter(chapter=chapter, direction=_direction(request))  # type: ignore[arg-type]
    if request.headers.get("HX-Request"):
        return _course_editor(request, course, moved=f"chapter-{chapter.pk}")
    return redirect(_course_url(course))


@author_area("GET", "POST")
def chapter_delete(request: HttpRequest, course: Course, chapter_id: int) -> HttpResponse:
    chapter = selectors.get_chapter_in_course(course, chapter_id)
    if request.method == "POST":
        services.delete_chapter(chapter=chapter)
        messages.success(request, f"Deleted the chapter “{chapter.title}”.")
        return redirect(_course_url(course))
    pages = list(chapter.pages.order_by("position"))
    return render(
        request, "authoring/confirm_delete.html", {"course": course, "what": "chapter", "obj": chapter, "pages": pages}
    )


# --- pages ----------------------------------------------------------------------------------------


@author_area("POST")
def page_add(request: HttpRequest, course: Course, chapter_id: int) -> HttpResponse:
    chapter = selectors.get_chapter_in_course(course, chapter_id)
    form = PageCreateForm(request.POST, prefix=f"page-{chapter.pk}")
    if form.is_valid():
        try:
            page = services.add_page(chapter=chapter, **form.cleaned_data)
        except services.AuthoringError as exc:
            apply_errors(form, exc)
        else:
            return redirect(_page_url(page))
    return _course_editor(request, course, page_forms={chapter.pk: form}, status=400)


def _editor_context(course: Course, page: Page, form: PageEditForm, **extra: Any) -> dict[str, Any]:
    return {
        "course": course,
        "page": page,
        "form": form,
        "exercises": exercise_blocks(page.markdown),
        "preview_url": reverse("authoring:page_preview", kwargs={"slug": course.slug, "page_id": page.pk}),
        **extra,
    }


@author_area("GET", "POST")
def page_edit(request: HttpRequest, course: Course, page_id: int) -> HttpResponse:
    page = selectors.get_page_in_course(course, page_id)
    initial = {
        "title": page.title,
        "slug": page.slug,
        "published": page.published,
        "markdown": page.markdown,
        "version": services.page_version(page),
    }
    form = PageEditForm(request.POST or None, initial=initial)
    problems = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        check = services.save_page_source(
            page=page,
            title=data["title"],
            slug=data["slug"],
            published=data["published"],
            markdown=data["markdown"],
            expected_version=data["version"] or None,
        )
        if check.ok:
            then = request.POST.get("then", "")
            if then == "learner":
                return redirect(reverse("authoring:page_learner", kwargs={"slug": course.slug, "page_id": page.pk}))
            if then == "exercise-new":
                return redirect(reverse("authoring:exercise_new", kwargs={"slug": course.slug, "page_id": page.pk}))
            if then.startswith("exercise-") and then[9:].isdigit():
                return redirect(
                    reverse(
                        "authoring:exercise_edit",
                        kwargs={"slug": course.slug, "page_id": page.pk, "index": int(then[9:])},
                    )
                )
            messages.success(request, "Saved.")
            return redirect(_page_url(page))
        problems = check.problems
    status = 400 if problems else 200
    draft = _draft_from(page, form) if request.method == "POST" else _draft(page)
    return render(
        request,
        "authoring/page_edit.html",
        _editor_context(
            course, page, form, problems=problems, preview=render_preview(draft), preview_title=draft.title
        ),
        status=status,
    )


def _draft(page: Page) -> PageDraft:
    return PageDraft(
        course=page.course,
        chapter=page.chapter,
        slug=page.slug,
        position=page.position,
        title=page.title,
        published=page.published,
        body=page.markdown,
    )


def _draft_from(page: Page, form: PageEditForm) -> PageDraft:
    data = form.cleaned_data if form.is_bound and hasattr(form, "cleaned_data") else {}
    return PageDraft(
        course=page.course,
        chapter=page.chapter,
        slug=page.slug,
        position=page.position,
        title=(data.get("title") or page.title),
        published=bool(data.get("published", page.published)),
        body=(form.data.get("markdown", page.markdown) or "").replace("\r\n", "\n"),
    )


@author_area("POST")
def page_preview(request: HttpRequest, course: Course, page_id: int) -> HttpResponse:
    """The live preview (htmx, debounced): parsed like an import, rendered like the reader."""
    page = selectors.get_page_in_course(course, page_id)
    title = " ".join(request.POST.get("title", "").split())[:200] or page.title
    draft = PageDraft(
        course=course,
        chapter=page.chapter,
        slug=page.slug,
        position=page.position,
        title=title,
        published=request.POST.get("published") in {"on", "true", "1"},
        body=request.POST.get("markdown", "").replace("\r\n", "\n"),
    )
    return render(request, "authoring/_preview.html", {"preview": render_preview(draft), "title": title})


@author_area("POST")
def page_move(request: HttpRequest, course: Course, page_id: int) -> HttpResponse:
    page = selectors.get_page_in_course(course, page_id)
    services.move_page(page=page, direction=_direction(request))  # type: ignore[arg-type]
    if request.headers.get("HX-Request"):
        return _course_editor(request, course, moved=f"page-{page.pk}")
    return redirect(_course_url(course))


@author_area("GET", "POST")
def page_delete(request: HttpRequest, course: Course, page_id: int) -> HttpResponse:
    page = selectors.get_page_in_course(course, page_id)
    if request.method == "POST":
        services.delete_page(page=page)
        messages.success(request, f"Deleted the page “{page.title}”.")
        return redirect(_course_url(course))
    return render(request, "authoring/confirm_delete.html", {"course": course, "what": "page", "obj": page})


@author_area("GET")
def page_learner_view(request: HttpRequest, course: Course, page_id: int) -> HttpResponse:
    """The reader's page as a learner will see it — drafts included, in their place."""
    page = selectors.get_page_in_course(course, page_id)
    outline = reader_selectors.course_outline(request.user, course, include_drafts=True)

    def link(p: Page) -> str:
        return reverse("authoring:page_learner", kwargs={"slug": course.slug, "page_id": p.pk})

    drafts = [label for label, is_draft in (("page", not page.published), ("course", not course.published)) if is_draft]
    note = "Preview as a learner."
    if drafts:
        note += " Learners cannot see this " + " or ".join(drafts) + " until it is published."
    messages.info(request, note)
    return render(request, "courseware/page.html", reader_page_context(page, outline, link=link))


# --- the exercise editor --------------------------------------------------------------------------


def _exercise_editor(request: HttpRequest, course: Course, page_id: int, index: int | None) -> HttpResponse:
    page = selectors.get_page_in_course(course, page_id)
    original: dict[str, Any] = {}
    if index is not None:
        blocks = exercise_blocks(page.markdown)
        if not 0 <= index < len(blocks) or not blocks[index].editable:
            raise Http404("No such exercise on this page.")
        original = blocks[index].data
    action = request.POST.get("action", "")
    if request.method != "POST":
        editor = ExerciseEditor(original)
        return _render_exercise(request, course, page, editor, index)
    if action == "more":
        editor = ExerciseEditor(original, request.POST, more=True)
        return _render_exercise(request, course, page, editor, index)
    editor = ExerciseEditor(original, request.POST)
    if not editor.is_valid():
        return _render_exercise(request, course, page, editor, index, status=400)
    data = editor.data()
    if action == "validate":
        result = validate_exercise(course=course, data=data, run=True)
        return _render_exercise(request, course, page, editor, index, validation=result, data=data)
    check = services.save_exercise(page=page, index=index, data=data, expected_version=request.POST.get("version"))
    if not check.ok:
        return _render_exercise(request, course, page, editor, index, problems=check.problems, data=data, status=400)
    messages.success(request, f"Saved the exercise “{data.get('title') or data.get('id')}”.")
    return redirect(_page_url(page))


def _render_exercise(
    request: HttpRequest,
    course: Course,
    page: Page,
    editor: ExerciseEditor,
    index: int | None,
    *,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    from courseware.authoring.exercise_blocks import exercise_yaml

    data = extra.pop("data", None)
    context = {
        "course": course,
        "page": page,
        "editor": editor,
        "index": index,
        "version": services.page_version(page),
        "yaml": exercise_yaml(data) if data else "",
        **extra,
    }
    return render(request, "authoring/exercise_form.html", context, status=status)


@author_area("GET", "POST")
def exercise_new(request: HttpRequest, course: Course, page_id: int) -> HttpResponse:
    return _exercise_editor(request, course, page_id, None)


@author_area("GET", "POST")
def exercise_edit(request: HttpRequest, course: Course, page_id: int, index: int) -> HttpResponse:
    return _exercise_editor(request, course, page_id, index)


# --- analytics ------------------------------------------------------------------------------------


@author_area("GET")
def course_analytics(request: HttpRequest, course: Course) -> HttpResponse:
    report = analytics.course_report(course)
    shown = {
        "funnel": bool(report.funnel),
        "reads": any(row.published for row in report.pages),
        "exercises": any(row.learners for row in report.exercises),
    }
    return render(request, "authoring/analytics.html", {"course": course, "report": report, "charts": shown})


@author_area("GET")
def course_analytics_chart(request: HttpRequest, course: Course, chart: str) -> HttpResponse:
    spec = CHARTS.get(chart)
    if spec is None:
        raise Http404("No such chart.")
    png = spec.draw(analytics.course_report(course, parts=spec.parts))
    if png is None:
        raise Http404("Nothing to draw yet.")
    response = HttpResponse(png, content_type="image/png")
    # Authors reload the page to see new activity; a minute of staleness for an image is fine.
    response["Cache-Control"] = "private, max-age=60"
    return response


@author_area("GET")
def course_analytics_csv(request: HttpRequest, course: Course, table: str) -> HttpResponse:
    if table not in analytics.TABLES:
        raise Http404("No such table.")
    report = analytics.course_report(course, parts=analytics.TABLE_PARTS[table])
    response = HttpResponse(analytics.table_csv(report, table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{course.slug}-{table}.csv"'
    return response
