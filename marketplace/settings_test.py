"""Settings for the test suite: the normal settings in test mode, isolated per xdist worker.

Each pytest-xdist worker gets its own database (pytest-django adds the suffix), its own
Redis database number and its own Kafka topic prefix.
"""

import os

os.environ.setdefault("MARKETPLACE_ENV", "test")
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
_worker_number = int(_worker.removeprefix("gw") or 0)
os.environ.setdefault("REDIS_URL", f"redis://127.0.0.1:6379/{1 + _worker_number % 15}")
os.environ.setdefault("KAFKA_TOPIC_PREFIX", f"test.{_worker}.")

# Social sign-in talks to this worker's local OAuth provider (tests/e2e/fixtures.py starts
# it here). The address is fixed now because allauth's GitHub provider reads GITHUB_URL once,
# when Django starts. Tests start with no client ids (sign-in off) and enable the providers
# they drive; a developer's real ids never reach a test.
from marketplace.devtools.tansu import free_port  # noqa: E402

_oauth_provider_url = f"http://127.0.0.1:{free_port()}"
os.environ["GITHUB_URL"] = os.environ["GOOGLE_OIDC_URL"] = _oauth_provider_url
for _name in (
    "GITHUB_CLIENT_ID",
    "GITHUB_CLIENT_SECRET",
    "GOOGLE_CLIENT_ID",
    "GOOGLE_CLIENT_SECRET",
):
    os.environ.pop(_name, None)

from marketplace.settings import *  # noqa: E402, F403

# One database per test process, so two test runs on one machine never share one.
DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}  # noqa: F405
