"""Two refreshes with one refresh token at the same moment: one wins, the sign-in ends.

The requests run on their own database connections (committed transactions), as two web
workers would; what they commit is deleted afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import transaction

from marketplace.accounts.models import User
from marketplace.apitokens.models import RefreshToken, TokenFamily
from marketplace.apitokens.services import TokenPair, token_pair_issue, token_pair_refresh
from marketplace.errors import ApplicationError
from tests.factories import UserFactory
from tests.threads import in_thread

pytestmark = pytest.mark.django_db


def committed(target: Callable[[], Any]) -> Any:
    thread, outcome = in_thread(target)
    thread.join(10)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


@pytest.fixture
def committed_sign_in() -> Iterator[tuple[User, TokenPair]]:
    def create() -> tuple[User, TokenPair]:
        user = UserFactory()
        return user, token_pair_issue(user=user)

    user, pair = committed(create)
    yield user, pair
    committed(lambda: User.objects.filter(pk=user.pk).delete())


def test_two_refreshes_with_one_token_at_once_end_the_sign_in(committed_sign_in):
    user, pair = committed_sign_in
    holding = threading.Event()
    release = threading.Event()

    def first() -> TokenPair:
        # Holds the refresh token's row lock until the second refresh had time to run.
        with transaction.atomic():
            new_pair = token_pair_refresh(refresh=pair.refresh)
            holding.set()
            release.wait(10)
        return new_pair

    try:
        one, one_outcome = in_thread(first)
        assert holding.wait(10)
        two, two_outcome = in_thread(lambda: token_pair_refresh(refresh=pair.refresh))
        two.join(0.5)
        waited = two.is_alive()
    finally:
        release.set()
    one.join(10)
    two.join(10)

    assert waited, "the second refresh must wait for the first one's row lock"
    assert isinstance(one_outcome["result"], TokenPair)
    error = two_outcome["error"]
    assert isinstance(error, ApplicationError)
    assert (error.code, error.status) == ("invalid_token", 401)
    family = committed(lambda: TokenFamily.objects.get(user=user))
    assert family.revoked_reason == "reuse"
    assert committed(lambda: RefreshToken.objects.filter(family=family).count()) == 2
