from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from certificates import selectors, services, signing
from certificates.forms import NameForm, RevokeForm
from certificates.models import Certificate


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    return _mine(request, NameForm(initial={"name": _suggested_name(request.user)}))


def _mine(request: HttpRequest, name_form: NameForm, status: int = 200) -> HttpResponse:
    certificates = list(selectors.certificates_of(request.user))
    pending = next((certificate for certificate in certificates if certificate.name_pending), None)
    from courseware.selectors import my_courses

    context = {
        "in_progress": [item for item in my_courses(request.user) if not item.goal.completed],
        "certificates": certificates,
        "name_form": name_form if pending else None,
        "pending_name": pending.learner_name if pending else "",
    }
    return render(request, "certificates/mine.html", context, status=status)


def _suggested_name(user: Any) -> str:
    return user.display_name or user.get_full_name() or ""


@require_POST
@login_required
def set_name(request: HttpRequest) -> HttpResponse:
    form = NameForm(request.POST)
    next_url = request.POST.get("next", "")
    if form.is_valid():
        try:
            changed = services.set_printed_name(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error("name", exc.message_dict.get("name", exc.messages))
        except services.CertificateError as exc:
            messages.info(request, str(exc))
            return _back(request, next_url)
        else:
            count = len(changed)
            messages.success(
                request,
                f"Your name is now on your certificate{'s' if count != 1 else ''}; the new files are being prepared.",
            )
            return _back(request, next_url)
    return _mine(request, form, status=400)


def _back(request: HttpRequest, next_url: str) -> HttpResponse:
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return redirect(next_url)
    return redirect("certificates:mine")


def verify(request: HttpRequest, code: str) -> HttpResponse:
    try:
        certificate = selectors.get_certificate(code)
    except Http404:
        return render(request, "certificates/not_found.html", {"code": code[:64]}, status=404)
    if code != certificate.code:
        # Typed in lower case or without dashes: show the one canonical address.
        return redirect("certificates:verify", code=certificate.code)
    return _verify_page(request, certificate, RevokeForm())


def _verify_page(request: HttpRequest, certificate: Certificate, form: RevokeForm, status: int = 200) -> HttpResponse:
    context = {
        "certificate": certificate,
        "verify_url": services.verify_url(certificate.code),
        "can_revoke": not certificate.is_revoked and selectors.can_revoke(request.user, certificate),
        "revoke_form": form,
        "key_url": reverse("certificates:public_key"),
    }
    response = render(request, "certificates/verify.html", context, status=status)
    # The page names a person; it is for whoever holds the code, not for search engines.
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def credential(request: HttpRequest, code: str) -> HttpResponse:
    certificate = selectors.get_certificate(code)
    body = json.dumps(certificate.credential, indent=2, ensure_ascii=False) + "\n"
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="glassbook-credential-{certificate.code}.json"'
    response["Access-Control-Allow-Origin"] = "*"  # public data; lets browser-based verifiers fetch it
    response["X-Robots-Tag"] = "noindex"
    return response


@require_POST
@login_required
def revoke(request: HttpRequest, code: str) -> HttpResponse:
    certificate = selectors.get_certificate_for_revoke(request.user, code)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            services.revoke_certificate(certificate=certificate, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error("reason", exc.message_dict.get("reason", exc.messages))
        except services.CertificateError as exc:
            messages.info(request, str(exc))
            return redirect("certificates:verify", code=certificate.code)
        else:
            messages.success(request, "The certificate is revoked.")
            return redirect("certificates:verify", code=certificate.code)
    return _verify_page(request, certificate, form, status=400)


@require_GET
@cache_control(public=True, max_age=3600)
def public_key(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(signing.public_jwk())
    response["Access-Control-Allow-Origin"] = "*"
    return response
