"""Every write to an account: sign-up and profile changes, from the browser and the API alike."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction

from accounts.models import User
from config.errors import InvalidInput

logger = logging.getLogger(__name__)

DISPLAY_NAME_MAX = 120


def _clean_email(email: str, errors: dict[str, list[str]], *, allow_blank: bool = False) -> str:
    email = User.objects.normalize_email((email or "").strip())
    if allow_blank and not email:
        return email
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = ["Enter a valid e-mail address."]
    return email


def _clean_display_name(display_name: str, errors: dict[str, list[str]]) -> str:
    display_name = (display_name or "").strip()
    if len(display_name) > DISPLAY_NAME_MAX:
        errors["display_name"] = [f"At most {DISPLAY_NAME_MAX} characters."]
    return display_name


@transaction.atomic
def register_user(*, username: str, email: str, password: str, display_name: str = "") -> User:
    """Create a learner account; InvalidInput naming the fields on bad input.

    An e-mail address that another account already uses is accepted like any other, and
    that address is told about the new account: the answer never reveals which addresses
    have accounts (log-in is by username; e-mail is for notices and password resets).
    """
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()
    if not username:
        errors["username"] = ["Choose a username."]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = ["That username is taken."]
    email = _clean_email(email, errors)
    display_name = _clean_display_name(display_name, errors)
    candidate = User(username=username, email=email, display_name=display_name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise InvalidInput(fields=errors)
    already_used = User.objects.filter(email__iexact=email).exists()
    user = User.objects.create_user(username=username, email=email, password=password, display_name=display_name)
    if already_used:
        transaction.on_commit(lambda: _tell_address_about_new_account(email, username))
    return user


def _tell_address_about_new_account(email: str, username: str) -> None:
    try:
        send_mail(
            subject=f"A new {settings.SITE_NAME} account uses your e-mail address",
            message=(
                f"Someone created the account '{username}' with this e-mail address, which another "
                f"{settings.SITE_NAME} account of yours already uses. If that was not you, you can ignore "
                f"this message; you can reset the password of your own account at {settings.SITE_URL}/password/reset/."
            ),
            from_email=None,
            recipient_list=[email],
        )
    except Exception:  # a mail server that is down must not undo the sign-up
        logger.exception("could not send the new-account notice")


def update_profile(*, user: User, display_name: str, email: str) -> User:
    """Change the printed name and the e-mail address; InvalidInput naming the fields on bad input."""
    errors: dict[str, list[str]] = {}
    display_name = _clean_display_name(display_name, errors)
    email = _clean_email(email, errors, allow_blank=True)
    if errors:
        raise InvalidInput(fields=errors)
    user.display_name = display_name
    user.email = email
    user.save(update_fields=["display_name", "email"])
    return user
