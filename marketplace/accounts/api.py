"""Account and authentication endpoints under /api/v1/auth/ and /api/v1/me.

Thin: each parses its input, calls one service of marketplace.accounts or
marketplace.apitokens, and shapes the answer. Every /auth/ endpoint is rate-limited per
client IP; sign-in is also throttled per account by `user_authenticate`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from marketplace.accounts.models import User
from marketplace.accounts.services import (
    email_verification_send,
    email_verify,
    password_reset_confirm,
    password_reset_request,
    user_authenticate,
    user_profile_update,
    user_register,
)
from marketplace.api.auth import authenticated, request_user
from marketplace.api.schemas import InputSchema
from marketplace.api.throttling import auth_throttle
from marketplace.apitokens.services import (
    TokenPair,
    token_family_revoke,
    token_pair_issue,
    token_pair_refresh,
)
from marketplace.http import client_ip

router = Router(tags=["auth"])

EMAIL_MAX_LENGTH = 254
# Long enough for any passphrase, short enough that hashing it costs nothing unusual.
PASSWORD_MAX_LENGTH = 1024
TOKEN_MAX_LENGTH = 2000


# --- schemas ------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: Any = Field(description='A message, or for bad input a list of {"field", "message"}')
    code: str


class MessageOut(Schema):
    detail: str


class TokenObtainIn(InputSchema):
    email: str = Field(max_length=EMAIL_MAX_LENGTH)
    password: str = Field(max_length=PASSWORD_MAX_LENGTH)


class RefreshIn(InputSchema):
    refresh: str = Field(max_length=TOKEN_MAX_LENGTH)


class TokenPairOut(Schema):
    access: str = Field(description="Send it as `Authorization: Bearer <access>`.")
    refresh: str = Field(description="Exchange it once at /auth/token/refresh for a new pair.")
    token_type: Literal["Bearer"]
    expires_in: int = Field(description="Seconds until the access token expires.")


class RegisterIn(InputSchema):
    email: str = Field(max_length=EMAIL_MAX_LENGTH)
    password: str = Field(max_length=PASSWORD_MAX_LENGTH)
    name: str = Field("", max_length=150)


class VerifyEmailIn(InputSchema):
    token: str = Field(max_length=TOKEN_MAX_LENGTH, description="The token in the emailed link.")


class PasswordResetIn(InputSchema):
    email: str = Field(max_length=EMAIL_MAX_LENGTH)


class PasswordResetConfirmIn(InputSchema):
    uid: str = Field(max_length=64, description="The uid in the emailed link.")
    token: str = Field(max_length=128, description="The token in the emailed link.")
    new_password: str = Field(max_length=PASSWORD_MAX_LENGTH)


class MeOut(Schema):
    id: int
    email: str
    name: str
    email_verified: bool = Field(description="Needed to open a shop.")
    is_staff: bool = Field(description="Platform admin.")
    date_joined: datetime


class MePatchIn(InputSchema):
    name: str | None = Field(None, max_length=150, description="Left out: unchanged.")


def pair_out(pair: TokenPair) -> TokenPairOut:
    return TokenPairOut(
        access=pair.access,
        refresh=pair.refresh,
        token_type="Bearer",  # noqa: S106  (OAuth 2's name for the scheme, not a secret)
        expires_in=pair.expires_in,
    )


def me_out(user: User) -> MeOut:
    return MeOut(
        id=user.pk,
        email=user.email,
        name=user.name,
        email_verified=user.is_email_verified,
        is_staff=user.is_staff,
        date_joined=user.date_joined,
    )


BAD_INPUT: dict[int, type[Schema]] = {400: ErrorOut, 422: ErrorOut, 429: ErrorOut}
TOKEN_ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 422: ErrorOut, 429: ErrorOut}


# --- tokens -------------------------------------------------------------------------------


@router.post(
    "/auth/token",
    response={200: TokenPairOut, **TOKEN_ERRORS},
    throttle=auth_throttle,
    summary="Sign in: email and password for an access and a refresh token",
    description="Unknown email, wrong password and deactivated account all answer 401 "
    '"invalid_credentials". Ten failures per account or IP in 15 minutes answer 429 '
    "until the window ends.",
)
def token_obtain(request: HttpRequest, payload: TokenObtainIn) -> TokenPairOut:
    user = user_authenticate(email=payload.email, password=payload.password, ip=client_ip(request))
    return pair_out(token_pair_issue(user=user))


@router.post(
    "/auth/token/refresh",
    response={200: TokenPairOut, **TOKEN_ERRORS},
    throttle=auth_throttle,
    summary="Exchange a refresh token for a new pair",
    description="Rotation: the refresh token sent stops working. Sending an already "
    "exchanged refresh token again ends its whole sign-in: every token of it stops working.",
)
def token_refresh(request: HttpRequest, payload: RefreshIn) -> TokenPairOut:
    return pair_out(token_pair_refresh(refresh=payload.refresh))


@router.post(
    "/auth/logout",
    response={204: None, **TOKEN_ERRORS},
    throttle=auth_throttle,
    summary="Sign out: revoke a refresh token and every token of its sign-in",
)
def logout(request: HttpRequest, payload: RefreshIn) -> Status[None]:
    token_family_revoke(refresh=payload.refresh)
    return Status(204, None)


# --- registration, verification, password reset ------------------------------------------


@router.post(
    "/auth/register",
    response={201: MeOut, 409: ErrorOut, **BAD_INPUT},
    throttle=auth_throttle,
    summary="Create an account; a verification link is emailed",
)
def register(request: HttpRequest, payload: RegisterIn) -> Status[MeOut]:
    user = user_register(email=payload.email, password=payload.password, name=payload.name)
    return Status(201, me_out(user))


@router.post(
    "/auth/verify-email",
    response={204: None, **BAD_INPUT},
    throttle=auth_throttle,
    summary="Confirm an email address with the token from the emailed link",
)
def verify_email(request: HttpRequest, payload: VerifyEmailIn) -> Status[None]:
    email_verify(token=payload.token)
    return Status(204, None)


@router.post(
    "/auth/verify-email/resend",
    response={202: MessageOut, 401: ErrorOut, 429: ErrorOut},
    auth=authenticated,
    throttle=auth_throttle,
    summary="Email the signed-in user a new verification link",
)
def verify_email_resend(request: HttpRequest) -> Status[MessageOut]:
    email_verification_send(user=request_user(request))
    return Status(
        202, MessageOut(detail="If your address is not verified yet, a new link is on its way.")
    )


@router.post(
    "/auth/password-reset",
    response={202: MessageOut, **BAD_INPUT},
    throttle=auth_throttle,
    summary="Email a password reset link",
    description="Answers 202 whether or not an account uses the address.",
)
def password_reset(request: HttpRequest, payload: PasswordResetIn) -> Status[MessageOut]:
    password_reset_request(email=payload.email)
    return Status(
        202,
        MessageOut(
            detail="If an account uses that address, we sent it a link to reset the password."
        ),
    )


@router.post(
    "/auth/password-reset/confirm",
    response={204: None, **BAD_INPUT},
    throttle=auth_throttle,
    summary="Set a new password with the uid and token from the emailed link",
    description="Every API sign-in and session of the account ends.",
)
def password_reset_set(request: HttpRequest, payload: PasswordResetConfirmIn) -> Status[None]:
    password_reset_confirm(uid=payload.uid, token=payload.token, new_password=payload.new_password)
    return Status(204, None)


# --- the signed-in user -------------------------------------------------------------------


@router.get(
    "/me",
    response={200: MeOut, 401: ErrorOut},
    auth=authenticated,
    summary="The signed-in user",
)
def me(request: HttpRequest) -> MeOut:
    return me_out(request_user(request))


@router.patch(
    "/me",
    response={200: MeOut, 401: ErrorOut, 403: ErrorOut, **BAD_INPUT},
    auth=authenticated,
    summary="Change the signed-in user's name",
)
def me_update(request: HttpRequest, payload: MePatchIn) -> MeOut:
    user = request_user(request)
    if payload.name is not None:
        user = user_profile_update(user=user, name=payload.name)
    return me_out(user)
