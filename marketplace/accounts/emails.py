"""Account emails: a plain-text body with a simple HTML alternative, both from templates.

Called by the account-email consumer (marketplace.accounts.handlers), never inside a web
request, so a slow or failing mail server delays nobody's page and the time a request
takes does not tell whether an email was sent.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from marketplace.accounts.models import User
from marketplace.accounts.tokens import (
    EMAIL_CHANGE_MAX_AGE,
    EMAIL_VERIFICATION_MAX_AGE,
    absolute_url,
    email_change_url,
    email_verification_url,
    password_reset_url,
)


def send_account_email(*, to: str, subject: str, template: str, context: dict[str, Any]) -> None:
    """Render emails/<template>.txt and .html with `context` and send them to `to`."""
    context = {
        "site_name": "Marketplace",
        "site_url": settings.SITE_URL.rstrip("/"),
        "subject": subject,
        **context,
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    message.send()


def _hours(delta: Any) -> int:
    return int(delta.total_seconds() // 3600)


def email_verification_email_send(*, user: User) -> None:
    send_account_email(
        to=user.email,
        subject="Confirm your email address",
        template="verify_email",
        context={
            "user": user,
            "url": email_verification_url(user=user),
            "valid_days": EMAIL_VERIFICATION_MAX_AGE.days,
        },
    )


def password_reset_email_send(*, user: User) -> None:
    send_account_email(
        to=user.email,
        subject="Reset your password",
        template="password_reset",
        context={
            "user": user,
            "url": password_reset_url(user=user),
            "valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        },
    )


def email_change_email_send(*, user: User, old_email: str, new_email: str) -> None:
    send_account_email(
        to=new_email,
        subject="Confirm your new email address",
        template="email_change",
        context={
            "user": user,
            "new_email": new_email,
            "url": email_change_url(user=user, old_email=old_email, new_email=new_email),
            "valid_hours": _hours(EMAIL_CHANGE_MAX_AGE),
        },
    )


def email_changed_notice_send(*, user: User, old_email: str, new_email: str) -> None:
    """Tell the previous address, so a change nobody asked for is noticed."""
    send_account_email(
        to=old_email,
        subject="Your email address was changed",
        template="email_changed",
        context={
            "user": user,
            "old_email": old_email,
            "new_email": new_email,
            "reset_url": absolute_url(reverse("accounts:password_reset")),
        },
    )
