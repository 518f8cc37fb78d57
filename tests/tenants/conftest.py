from __future__ import annotations

import pytest


@pytest.fixture
def media_root(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Uploaded files go to a folder of this test only."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path
