"""The browser side of running code: htmx fragments, plus plain pages for readers without JavaScript."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from config.api import status_for
from config.errors import DomainError
from runs import selectors, services
from runs.presentation import panel_for_run
from runs.throttling import RunsRateThrottle


class _RunsScope:
    """What RunsRateThrottle looks for on a DRF view; the HTML view shares the API's budget."""

    throttle_scope = "runs"


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _page_url(request: HttpRequest, page_id: object) -> str:
    """Where the reader came from, to return there after logging in."""
    from courseware.selectors import get_page_for_reader, page_url

    try:
        return page_url(get_page_for_reader(request.user, int(str(page_id))))
    except (Http404, ValueError, TypeError):
        return reverse("courseware:catalogue")


def _message(request: HttpRequest, text: str, *, status: int, kind: str = "problem", **extra: Any) -> HttpResponse:
    context = {"text": text, "kind": kind, **extra}
    if _is_htmx(request):
        # htmx swaps only 2xx answers; the fragment is the answer the reader needs to see.
        return render(request, "runs/_message.html", context)
    return render(request, "runs/message.html", context, status=status)


@csrf_exempt
@require_POST
def create(request: HttpRequest) -> HttpResponse:
    """POST /runs/ (code, page, runnable): queue a run; htmx gets the polling panel.

    Anonymous readers only get a prompt to log in, which changes nothing, so they need no
    CSRF token (cached anonymous pages carry none); everyone else goes through csrf_protect.
    """
    if not request.user.is_authenticated:
        next_url = _page_url(request, request.POST.get("page"))
        if _is_htmx(request):
            login = f"{reverse('login')}?{urlencode({'next': next_url})}"
            response = _message(
                request,
                "Log in to run code.",
                status=401,
                kind="login",
                login_url=login,
                published=selectors.runnable_has_output(request.POST.get("runnable")),
            )
            # The example's published output stays where it is; the prompt goes just above it.
            response["HX-Reswap"] = "beforebegin"
            return response
        return redirect_to_login(next_url)
    return _create_for_user(request)


@csrf_protect
def _create_for_user(request: HttpRequest) -> HttpResponse:
    throttle = RunsRateThrottle()
    if not throttle.allow_request(request, _RunsScope()):  # type: ignore[arg-type]
        wait = int(throttle.wait() or 1)
        response = _message(request, f"You are running code very often; try again in {wait} s.", status=429)
        response["Retry-After"] = str(wait)
        return response
    try:
        run = services.request_run(
            user=request.user,
            code=request.POST.get("code"),
            page=request.POST.get("page"),
            runnable=request.POST.get("runnable"),
        )
    except DomainError as exc:
        return _message(request, exc.text, status=status_for(exc))
    if _is_htmx(request):
        return render(request, "runs/_panel.html", {"panel": panel_for_run(run)}, status=201)
    return redirect("runs:detail", run_id=run.pk)


@require_GET
def panel(request: HttpRequest, run_id: int) -> HttpResponse:
    """GET /runs/<id>/panel/: the output panel fragment htmx polls until the run is final."""
    run = selectors.get_run_for_user(request.user, run_id)
    return render(request, "runs/_panel.html", {"panel": panel_for_run(run)})


@require_GET
def detail(request: HttpRequest, run_id: int) -> HttpResponse:
    """GET /runs/<id>/: a whole page with the result (refreshes itself until final without JS)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    run = selectors.get_run_for_user(request.user, run_id)
    return render(
        request,
        "runs/run.html",
        {"run": run, "panel": panel_for_run(run), "back_url": _page_url(request, run.page_id) if run.page_id else ""},
    )


@require_GET
def new(request: HttpRequest) -> HttpResponse:
    """GET /runs/new/?code=…&page=…: the no-JavaScript way in from an example's form."""
    page_id = request.GET.get("page", "")
    code = request.GET.get("code", "")
    return render(
        request,
        "runs/new.html",
        {
            "code": code,
            "page_id": page_id,
            "runnable": request.GET.get("runnable", ""),
            "back_url": _page_url(request, page_id) if page_id else "",
        },
    )
