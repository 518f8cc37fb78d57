"""Checks and errors the account services share."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from marketplace.accounts.models import User
from marketplace.errors import ApplicationError

NAME_MAX_LENGTH = 150


def email_normalized(email: str, *, field: str = "email") -> str:
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ApplicationError(
            "Enter a valid email address.", code="invalid_email", field=field
        ) from None
    return email.lower()


def name_cleaned(name: str) -> str:
    name = " ".join((name or "").split())
    if len(name) > NAME_MAX_LENGTH:
        raise ApplicationError(
            f"Keep the name to {NAME_MAX_LENGTH} characters or fewer.",
            code="invalid_name",
            field="name",
        )
    return name


def check_new_password(password: str, *, user: User, field: str) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise ApplicationError(
            " ".join(error.messages), code="invalid_password", field=field
        ) from None


def check_current_password(user: User, password: str, *, field: str) -> None:
    if not user.check_password(password):
        raise ApplicationError(
            "That is not your current password.", code="wrong_password", field=field
        )


def email_taken_error(field: str | None) -> ApplicationError:
    return ApplicationError(
        "An account with this email address already exists. Sign in, or reset your password "
        "if you forgot it.",
        code="email_taken",
        field=field,
        status=409,
    )


def invalid_token_error(message: str) -> ApplicationError:
    return ApplicationError(message, code="invalid_token")


def user_locked(user: User) -> User:
    """The user's row, locked until the transaction ends: serialises one person's writes."""
    return User.objects.select_for_update().get(pk=user.pk)
