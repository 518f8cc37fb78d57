"""API sign-ins and their refresh tokens.

Access and refresh tokens are JWTs (marketplace.apitokens.tokens); these rows are what
makes them revocable: every token names its family, and a family can be revoked.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class TokenFamily(models.Model):
    """One API sign-in: the chain of refresh tokens rotated from one `POST /auth/token`.

    Revoking the family ends the sign-in at once: its refresh token and every access token
    issued with it stop working.
    """

    class RevokedReason(models.TextChoices):
        LOGOUT = "logout", "Signed out"
        REUSE = "reuse", "A rotated refresh token was presented again"
        DEACTIVATED = "deactivated", "The account was deactivated"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_token_families"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Django's session auth hash (an HMAC of the password hash) when the family was issued:
    # changing or resetting the password ends every API sign-in, as it ends every session.
    password_fingerprint = models.CharField(max_length=128)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=20, choices=RevokedReason.choices, blank=True)

    class Meta:
        verbose_name_plural = "token families"
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(revoked_at__isnull=True, revoked_reason="")
                    | (models.Q(revoked_at__isnull=False) & ~models.Q(revoked_reason=""))
                ),
                name="apitokens_family_revoked_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"API sign-in {self.id} of user {self.user_id}"


class RefreshToken(models.Model):
    """One refresh token, by its JWT id. It works once: refreshing marks it used and issues
    the next token of its family."""

    jti = models.UUIDField(primary_key=True, editable=False)
    family = models.ForeignKey(TokenFamily, on_delete=models.CASCADE, related_name="refresh_tokens")
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Rotation leaves exactly one usable token per sign-in.
            models.UniqueConstraint(
                fields=["family"],
                condition=models.Q(used_at__isnull=True),
                name="apitokens_one_unused_refresh_token_per_family",
            ),
        ]
        indexes = [models.Index(fields=["expires_at"], name="apitokens_refresh_expires_idx")]

    def __str__(self) -> str:
        return f"refresh token {self.jti}"
