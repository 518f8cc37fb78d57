"""An address someone changed away from can be linked by its new owner."""

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from marketplace.social.services import social_link_by_email_prepare
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_stale_verified_row_of_the_previous_owner_is_dropped_before_linking():
    previous = UserFactory(email="moved-on@example.test")
    EmailAddress.objects.create(user=previous, email="shared@example.test", verified=True)
    current = UserFactory(email="shared@example.test", email_verified_at=timezone.now())

    assert social_link_by_email_prepare(user=current) is False

    assert list(
        EmailAddress.objects.filter(email="shared@example.test").values_list("user", "verified")
    ) == [(current.pk, True)]
