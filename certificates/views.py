from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from certificates import credentials, rendering, selectors, services, signing, status
from certificates.forms import NameForm, RevokeForm
from certificates.models import Certificate
from config.errors import InvalidInput


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
        except InvalidInput as exc:
            form.add_error("name", exc.fields.get("name") or [exc.text])
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
    if _wants_credential(request):
        # The page's address is the credential's id: a wallet dereferencing it gets the credential.
        return _credential_response(certificate, _credential_type(request))
    response = _verify_page(request, certificate, RevokeForm())
    response["Vary"] = "Accept"
    return response


CREDENTIAL_TYPES = ("application/vc", "application/vc+ld+json", "application/ld+json", "application/json")


def _wants_credential(request: HttpRequest) -> bool:
    accepted = _accepted(request)
    html = min((rank for kind, rank in accepted.items() if kind in ("text/html", "*/*")), default=None)
    machine = min((rank for kind, rank in accepted.items() if kind in CREDENTIAL_TYPES[:3]), default=None)
    return machine is not None and (html is None or machine < html)


def _accepted(request: HttpRequest) -> dict[str, int]:
    """Media types in the Accept header, ranked by preference (0 best)."""
    ranked = []
    for position, part in enumerate(request.headers.get("Accept", "").split(",")):
        kind, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if kind and quality > 0:
            ranked.append((-quality, position, kind.lower()))
    return {kind: rank for rank, (_q, _p, kind) in enumerate(sorted(ranked))}


def _credential_type(request: HttpRequest) -> str:
    """``application/vc`` (the VC 2.0 media type) unless the client asks for plain JSON first."""
    accepted = _accepted(request)
    offered = [kind for kind in CREDENTIAL_TYPES if kind in accepted]
    best = min(offered, key=accepted.__getitem__) if offered else "application/vc"
    return "application/vc" if best == "application/vc+ld+json" else best


def _verify_page(request: HttpRequest, certificate: Certificate, form: RevokeForm, status: int = 200) -> HttpResponse:
    context = {
        "certificate": certificate,
        "verify_url": services.verify_url(certificate.code),
        "can_revoke": not certificate.is_revoked and selectors.can_revoke(request.user, certificate),
        "revoke_form": form,
        "details": services.verification_details(certificate),
        "credential_url": reverse("certificates:credential", args=[certificate.code]),
    }
    response = render(request, "certificates/verify.html", context, status=status)
    # The page names a person; it is for whoever holds the code, not for search engines.
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def credential(request: HttpRequest, code: str) -> HttpResponse:
    """The credential file for download (JSON; ``?format=vc`` for the ``application/vc`` media type)."""
    certificate = selectors.get_certificate(code)
    kind = "application/vc" if request.GET.get("format") == "vc" else "application/json"
    response = _credential_response(certificate, kind)
    response["Content-Disposition"] = f'attachment; filename="glassbook-credential-{certificate.code}.json"'
    return response


def _credential_response(certificate: Certificate, content_type: str) -> HttpResponse:
    body = json.dumps(signing.served(certificate.credential), indent=2, ensure_ascii=False) + "\n"
    charset = "; charset=utf-8" if content_type == "application/json" else ""
    response = HttpResponse(body, content_type=content_type + charset)
    response["Access-Control-Allow-Origin"] = "*"  # public data; lets browser-based verifiers fetch it
    response["X-Robots-Tag"] = "noindex"
    response["Vary"] = "Accept"
    return response


@require_POST
@login_required
def revoke(request: HttpRequest, code: str) -> HttpResponse:
    certificate = selectors.get_certificate_for_revoke(request.user, code)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            services.revoke_certificate(certificate=certificate, by=request.user, reason=form.cleaned_data["reason"])
        except InvalidInput as exc:
            form.add_error("reason", exc.fields.get("reason") or [exc.text])
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
    """The current key as a bare JWK: what credentials issued before did:web name."""
    response = JsonResponse(signing.public_jwk())
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _public_json(document: dict[str, Any], content_type: str, max_age: int) -> HttpResponse:
    response = HttpResponse(json.dumps(document, indent=2, ensure_ascii=False) + "\n", content_type=content_type)
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response


@require_GET
def did_document(request: HttpRequest) -> HttpResponse:
    return _public_json(credentials.did_document(), "application/did+ld+json", 300)


@require_GET
def issuer(request: HttpRequest) -> HttpResponse:
    """The issuer's Open Badges Profile (its id is the site's DID)."""
    profile = {"@context": list(credentials.CONTEXT), **credentials.issuer_profile()}
    if _wants_html(request):
        return redirect("/")
    return _public_json(profile, "application/ld+json", 3600)


def _wants_html(request: HttpRequest) -> bool:
    accepted = _accepted(request)
    return "text/html" in accepted and all(
        accepted["text/html"] < rank for kind, rank in accepted.items() if "json" in kind
    )


@require_GET
def status_list(request: HttpRequest, number: int) -> HttpResponse:
    """A signed BitstringStatusListCredential; verifiers may cache it for ``status.TTL_MS``."""
    document = services.status_list_credential(number=number)
    if document is None:
        raise Http404("No such status list.")
    response = _public_json(document, "application/vc", status.TTL_MS // 1000)
    response["Vary"] = "Accept"
    return response


@require_GET
@cache_control(public=True, max_age=86400)
def seal(request: HttpRequest) -> HttpResponse:
    """The seal printed on certificates, as the credential's image (PNG)."""
    return HttpResponse(rendering.seal_png(settings.SITE_NAME), content_type="image/png")
