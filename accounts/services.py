from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User


@transaction.atomic
def register_user(*, username: str, email: str, password: str, display_name: str = "") -> User:
    """Create a learner account; raises ValidationError naming the field on bad input."""
    errors: dict[str, list[str]] = {}
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = ["That username is taken."]
    if email and User.objects.filter(email__iexact=email).exists():
        errors["email"] = ["An account with that e-mail already exists."]
    candidate = User(username=username, email=email, display_name=display_name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    user = User.objects.create_user(username=username, email=email, password=password, display_name=display_name)
    return user


def update_profile(*, user: User, display_name: str, email: str) -> User:
    user.display_name = display_name.strip()
    user.email = email.strip()
    user.save(update_fields=["display_name", "email"])
    return user
