"""Writing accounts: registration, sign-in, passwords, email, profile, addresses, export.

Both the HTML site (marketplace.accounts.views) and the API call these; import them from
here. Failures people must see are `ApplicationError`s whose `field` names the input at
fault. Emails are never sent from a service: it records an outbox event in its
transaction, and the account-email consumer (marketplace.accounts.handlers) sends once
the event arrives after the commit.
"""

from marketplace.accounts.services.addresses import (
    ADDRESS_FIELDS,
    MAX_ADDRESSES,
    address_create,
    address_delete,
    address_set_default,
    address_update,
)
from marketplace.accounts.services.authentication import (
    INVALID_CREDENTIALS,
    MODEL_BACKEND,
    PASSWORD_RESET_COOLDOWN,
    LoginThrottled,
    password_change,
    password_reset_confirm,
    password_reset_link_check,
    password_reset_request,
    user_authenticate,
)
from marketplace.accounts.services.users import (
    VERIFICATION_RESEND_COOLDOWN,
    email_change_confirm,
    email_change_link_check,
    email_change_request,
    email_verification_send,
    email_verify,
    user_data_export,
    user_deactivate,
    user_profile_update,
    user_register,
)

__all__ = [
    "ADDRESS_FIELDS",
    "INVALID_CREDENTIALS",
    "MAX_ADDRESSES",
    "MODEL_BACKEND",
    "PASSWORD_RESET_COOLDOWN",
    "VERIFICATION_RESEND_COOLDOWN",
    "LoginThrottled",
    "address_create",
    "address_delete",
    "address_set_default",
    "address_update",
    "email_change_confirm",
    "email_change_link_check",
    "email_change_request",
    "email_verification_send",
    "email_verify",
    "password_change",
    "password_reset_confirm",
    "password_reset_link_check",
    "password_reset_request",
    "user_authenticate",
    "user_data_export",
    "user_deactivate",
    "user_profile_update",
    "user_register",
]
