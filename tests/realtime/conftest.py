import pytest


@pytest.fixture(autouse=True)
def _keep_the_test_transaction_open(monkeypatch: pytest.MonkeyPatch) -> None:
    """Channels closes "old" database connections around every consumer handler, and a
    connection inside a transaction counts as one. With thread-sensitive calls the
    consumer shares the test's connection, so that would close the test's own
    transaction under it (at random, depending on which handler ran last). In production
    those calls are right; in these tests the connection is the test's to manage."""
    monkeypatch.setattr("channels.db.close_old_connections", lambda **kwargs: None)
