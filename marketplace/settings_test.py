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

from marketplace.settings import *  # noqa: E402, F403

# One database per test process, so two test runs on one machine never share one.
DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}  # noqa: F405
