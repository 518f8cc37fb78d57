import pytest


@pytest.fixture
def media_root(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Uploaded files go to a folder of this test only."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def site_url(settings):  # type: ignore[no-untyped-def]
    """Absolute links start with this origin."""
    settings.SITE_URL = "https://market.example"
    return settings.SITE_URL
