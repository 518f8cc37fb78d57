"""Event handlers and periodic jobs of API sign-ins (run by `manage.py worker`)."""

from __future__ import annotations

from marketplace.apitokens.models import TokenFamily
from marketplace.apitokens.services import token_families_purge, token_families_revoke
from marketplace.events.consumers import Event, every, handles


@handles(group="apitokens", event_types=["user.deactivated"])
def end_sign_ins_of_deactivated_user(event: Event) -> None:
    # Tokens of an inactive user are refused at once anyway; revoking them keeps them
    # dead should an admin reactivate the account.
    token_families_revoke(
        user_id=event.data["user_id"], reason=TokenFamily.RevokedReason.DEACTIVATED
    )


@every(3600, name="apitokens-purge")
def purge_expired_sign_ins() -> None:
    token_families_purge()
