"""Discount notifications: a shop with 10,000 followers starts a discount.

a. Fan-out: the `discount-notifications` handler for one `discount.activated` event, as
   the worker runs it (`event_process`: processed-event mark, liveness check in the shop
   schema, audience query, settings, one INSERT … RETURNING of 10,000 rows, unread
   counts, commit, then 10,000 pushes pipelined to Redis). Target: < 5 s.
b. Toast latency: uvicorn, relay and worker run as subprocesses (as `make run` does)
   against this database, a Tansu broker and Redis; real websocket clients, signed in as
   followers spread over the 10,000, keep `/ws/notifications/` open. The seller's
   `discount_create` commits (the activation) and the clock runs until each client has
   the toast message. Target: p95 < 1 s.

Run alone:  .venv/bin/python bench/notifications.py [--quick]
or through bench/run.py once it lists "notifications": "bench.notifications".
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as a script: the project root first on the path
    sys.path[:1] = [str(Path(__file__).resolve().parent.parent)]

from bench import harness
from bench.harness import Distribution, Figure, Report, Target

ROOT = Path(__file__).resolve().parent.parent
FANOUT_LIMIT_S = 5.0
TOAST_P95_LIMIT_MS = 1000.0
PASSWORD_HASH = "!"  # noqa: S105 - unusable: these people never sign in with a password

# --consumer-experiment: the worker with the change docs/benchmarks.md proposes for
# marketplace/events (return as soon as one message is there instead of waiting out the
# 0.5 s batch timeout; ask the broker for data every 10 ms). Measurement only: the
# application code is unchanged, this wraps it in the worker subprocess.
EXPERIMENT_WORKER = """
import django
django.setup()
from confluent_kafka import Consumer
from django.conf import settings
from django.core.management import call_command
from marketplace.events import consumers

def make_consumer(group):
    return Consumer({"bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS,
                     "client.id": "marketplace", "group.id": group,
                     "enable.auto.commit": False, "auto.offset.reset": "earliest",
                     **settings.KAFKA_CONSUMER_TIMEOUTS, "fetch.wait.max.ms": 10})

def poll(self, *, timeout=1.0, max_messages=100):
    first = self.consumer.poll(timeout)
    if first is None:
        return 0
    messages = [first, *self.consumer.consume(num_messages=max_messages - 1, timeout=0)]
    handled = sum(1 for message in messages if self._handle(message))
    self.consumer.commit(asynchronous=False)
    return handled

consumers.make_consumer = make_consumer
consumers.GroupConsumer.poll = poll
call_command("worker")
"""


def run(*, quick: bool, consumer_experiment: bool = False) -> Report:
    from django.conf import settings

    from marketplace.devtools.tansu import TansuBroker

    followers = 1_000 if quick else 10_000
    rounds_a, rounds_b, clients = (2, 5, 5) if quick else (5, 20, 25)
    report = Report("notifications-consumer-experiment" if consumer_experiment else "notifications")
    broker = TansuBroker()
    broker.start()
    settings.KAFKA_BOOTSTRAP_SERVERS = broker.bootstrap
    settings.KAFKA_TOPIC_PREFIX = f"bench-{uuid.uuid4().hex[:8]}."
    try:
        harness.manage("prepare_shops", "--pool-size", "2")
        shop, people = _shop_with_followers(followers)
        _fan_out(report, shop=shop, followers=followers, rounds=rounds_a)
        _toast_latency(
            report,
            broker=broker,
            shop=shop,
            people=people,
            clients=clients,
            rounds=rounds_b,
            consumer_experiment=consumer_experiment,
        )
    finally:
        broker.stop()
    return report


# --- data ---------------------------------------------------------------------------------------


def _shop_with_followers(n: int) -> tuple[Any, list[Any]]:
    """A shop, a published product, and `n` verified shoppers following it (bulk inserts:
    creating them is not what is measured)."""
    from django.utils import timezone

    from marketplace.accounts.models import User
    from storefront.follows.models import Follow
    from tenants.services import shop_create
    from tests.factories import make_product

    owner = User.objects.create_user("owner@bench.example", "bench-Password-1234")
    shop = shop_create(name="Bench Goods", slug="bench-goods", owner=owner)
    make_product(shop=shop, title="Bench lamp", price="30.00")
    now = timezone.now()
    people = User.objects.bulk_create(
        [
            User(email=f"fan{i}@bench.example", password=PASSWORD_HASH, email_verified_at=now)
            for i in range(n)
        ],
        batch_size=2000,
    )
    Follow.objects.bulk_create([Follow(user=p, shop=shop) for p in people], batch_size=5000)
    return shop, people


def _discount(shop: Any, number: int) -> Any:
    from sellers.discounts.services import DiscountInput, discount_create

    data = DiscountInput(name=f"Bench sale {number}", kind="percentage", value="20")
    return discount_create(shop=shop, actor=None, data=data)


# --- a. fan-out ---------------------------------------------------------------------------------


@contextmanager
def _timed_after_commit(samples_ms: list[float]):  # type: ignore[no-untyped-def]
    """Time realtime.services' after-commit push step (measurement only)."""
    from realtime import services

    original = services._push_to_people

    def timed(**kwargs: Any) -> bool:
        started = time.perf_counter()
        try:
            return original(**kwargs)
        finally:
            samples_ms.append((time.perf_counter() - started) * 1000)

    services._push_to_people = timed  # type: ignore[assignment]
    try:
        yield
    finally:
        services._push_to_people = original  # type: ignore[assignment]


def _fan_out(report: Report, *, shop: Any, followers: int, rounds: int) -> None:
    from django.utils import timezone

    from marketplace.events.consumers import Event, event_process, registered_groups
    from marketplace.events.models import OutboxEvent
    from realtime.groups import user_group
    from realtime.handlers import DISCOUNT_NOTIFICATIONS
    from realtime.models import Notification
    from realtime.push import push_many
    from realtime.selectors import unread_counts

    registrations = registered_groups()[DISCOUNT_NOTIFICATIONS]
    total_ms: list[float] = []
    after_commit_ms: list[float] = []
    everyone_ms: list[float] = []
    for number in range(rounds):
        discount = _discount(shop, number)
        row = OutboxEvent.objects.get(
            type="discount.activated", data__discount_id=discount.id, published_at=None
        )
        event = Event(row.event_id, row.type, row.version, row.key, row.occurred_at, row.data)
        with _timed_after_commit(after_commit_ms), harness.stopwatch(total_ms):
            assert event_process(
                group=DISCOUNT_NOTIFICATIONS, event=event, registrations=registrations
            )
        rows = dict(
            Notification.objects.filter(dedupe_key=f"discount:{shop.id}:{discount.id}").values_list(
                "user_id", "id"
            )
        )
        assert len(rows) == followers, f"{len(rows)} notifications stored, not {followers}"
        # The same after-commit work if every follower had a page open: 10,000 unread
        # counts and 10,000 pushes (what _push_to_people does for those it finds online).
        with harness.stopwatch(everyone_ms):
            counts = unread_counts(user_ids=list(rows))
            assert push_many(
                pushes=[
                    (user_group(user_id), {"type": "notification", "id": row_id,
                                           "title": "x", "unread": counts[user_id]})
                    for user_id, row_id in rows.items()
                ]
            )  # fmt: skip
    # These events are handled; the relay of part b need not carry them.
    OutboxEvent.objects.filter(published_at=None).update(published_at=timezone.now())
    store_ms = [total - after for total, after in zip(total_ms, after_commit_ms, strict=True)]
    worst_case_ms = [store + every for store, every in zip(store_ms, everyone_ms, strict=True)]
    report.distributions += [
        Distribution(f"fan-out to {followers} followers, total", total_ms),
        Distribution("  store (check, audience, INSERT, commit)", store_ms),
        Distribution("  after commit: who listens + pushes", after_commit_ms),
        Distribution(f"  if all {followers} listened: counts + pushes", everyone_ms),
        Distribution(f"store + {followers} counts and pushes", worst_case_ms),
    ]
    report.targets.append(
        Target(
            f"{followers} stored + pushed to all, worst of {rounds}",
            max(worst_case_ms) / 1000,
            FANOUT_LIMIT_S,
            "s",
        )
    )


# --- b. toast latency through the whole stack ---------------------------------------------------


def _stack_env(broker: Any) -> dict[str, str]:
    from django.conf import settings
    from django.db import connection

    db = settings.DATABASES["default"]
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "marketplace.settings",
        "DATABASE_URL": (
            f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{connection.settings_dict['NAME']}"
        ),
        "REDIS_URL": settings.REDIS_URL,
        "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
        "KAFKA_TOPIC_PREFIX": settings.KAFKA_TOPIC_PREFIX,
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


@contextmanager
def _stack(broker: Any, *, consumer_experiment: bool):  # type: ignore[no-untyped-def]
    from marketplace.devtools.tansu import free_port

    port = free_port()
    env = _stack_env(broker)
    bin_dir = Path(sys.executable).parent
    commands = {
        "web": [str(bin_dir / "uvicorn"), "marketplace.asgi:application",
                "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        "relay": [sys.executable, "manage.py", "relay"],
        "worker": [sys.executable, "-c", EXPERIMENT_WORKER] if consumer_experiment
                  else [sys.executable, "manage.py", "worker"],
    }  # fmt: skip
    logs = harness.RESULTS / "notifications-stack"
    logs.mkdir(parents=True, exist_ok=True)
    processes = {
        name: subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=(logs / f"{name}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        for name, command in commands.items()
    }
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the stack did not come up; see {logs}")
            time.sleep(0.2)
        yield url
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _session_cookie(user: Any) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.module_loading import import_string

    store = import_string(settings.SESSION_ENGINE + ".SessionStore")()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def _toast_latency(
    report: Report,
    *,
    broker: Any,
    shop: Any,
    people: list[Any],
    clients: int,
    rounds: int,
    consumer_experiment: bool,
) -> None:
    from django.db import connection

    # Followers spread over the id range: pushes go out in id order, so the last ones
    # wait for the 9,999 before them.
    step = max(1, len(people) // clients)
    watchers = [people[i] for i in range(step - 1, len(people), step)][:clients]
    cookies = [_session_cookie(person) for person in watchers]
    connection.close()  # the stack's processes take over; this thread reconnects on use
    with _stack(broker, consumer_experiment=consumer_experiment) as url:
        rounds_seen, warm_up_s = asyncio.run(
            _watch(url=url, cookies=cookies, shop=shop, rounds=rounds)
        )
    samples_ms = [
        (received - activated) * 1000
        for _name, activated, times in rounds_seen
        for received in times
    ]
    report.distributions.append(
        Distribution(f"toast latency, {clients} open pages x {rounds} discounts", samples_ms)
    )
    report.distributions += _stages(rounds_seen)
    report.figures.append(
        Figure("first discount (worker joining its group)", warm_up_s, "s", "not in the samples")
    )
    p95 = statistics.quantiles(samples_ms, n=100, method="inclusive")[94]
    report.targets.append(Target("toast latency p95", p95, TOAST_P95_LIMIT_MS, "ms"))


def _stages(rounds_seen: list[tuple[str, float, list[float]]]) -> list[Distribution]:
    """Where the time goes, per discount, from the rows the stack wrote (wall clocks of
    one machine): commit → relay published → worker picked up → first row inserted →
    the last open page has its toast."""
    from marketplace.events.models import OutboxEvent, ProcessedEvent
    from realtime.handlers import DISCOUNT_NOTIFICATIONS
    from realtime.models import Notification

    relay, pickup, check, push = [], [], [], []
    for name, activated, times in rounds_seen:
        event = OutboxEvent.objects.get(type="discount.activated", data__name=name)
        processed = ProcessedEvent.objects.get(
            group=DISCOUNT_NOTIFICATIONS, event_id=event.event_id
        )
        inserted = (
            Notification.objects.filter(dedupe_key__endswith=f":{event.data['discount_id']}")
            .values_list("created_at", flat=True)
            .first()
        )
        assert event.published_at is not None and inserted is not None
        relay.append((event.published_at.timestamp() - activated) * 1000)
        pickup.append((processed.processed_at - event.published_at).total_seconds() * 1000)
        check.append((inserted - processed.processed_at).total_seconds() * 1000)
        push.append((max(times) - inserted.timestamp()) * 1000)
    return [
        Distribution("  commit → relay has it published", relay),
        Distribution("  published → worker starts handling", pickup),
        Distribution("  handling → rows inserted (check, audience)", check),
        Distribution("  insert → last open page has the toast", push),
    ]


async def _watch(
    *, url: str, cookies: list[str], shop: Any, rounds: int
) -> tuple[list[tuple[str, float, list[float]]], float]:
    """Per discount: its name, the wall time its creation committed and the wall times
    each open page received its toast."""
    from websockets.asyncio.client import connect

    socket_url = url.replace("http://", "ws://") + "/ws/notifications/"
    sockets = [
        await connect(socket_url, origin=url, additional_headers={"Cookie": cookie})  # type: ignore[arg-type]
        for cookie in cookies
    ]
    for socket in sockets:
        json.loads(await socket.recv())  # the unread count on opening

    async def toast(socket: Any, name: str, timeout: float) -> float:
        while True:
            message = json.loads(await asyncio.wait_for(socket.recv(), timeout))
            if message.get("type") == "notification" and message.get("body", "").startswith(
                name + "."
            ):
                return time.time()

    async def one_round(number: int, timeout: float) -> tuple[str, float, list[float]]:
        name = f"Bench sale {number}"
        waiting = [asyncio.create_task(toast(socket, name, timeout)) for socket in sockets]
        await asyncio.to_thread(_discount, shop, number)
        activated = time.time()  # discount_create has committed: the activation
        return name, activated, list(await asyncio.gather(*waiting))

    started = time.perf_counter()
    await one_round(1000, timeout=90)  # warm-up: consumers join their groups
    warm_up_s = time.perf_counter() - started
    seen = []
    for number in range(rounds):
        seen.append(await one_round(2000 + number, timeout=30))
        await asyncio.sleep(0.3)
    for socket in sockets:
        await socket.close()
    return seen, warm_up_s


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 followers, few rounds")
    parser.add_argument(
        "--consumer-experiment",
        action="store_true",
        help="run the worker with the consumer change proposed in docs/benchmarks.md",
    )
    args = parser.parse_args(argv)
    harness.configure_environment()
    import django
    from django.db import connections

    django.setup()
    connections.close_all()
    harness.recreate_database()
    harness.manage("migrate_schemas", "--noinput")
    facts = harness.machine()
    report = run(quick=args.quick, consumer_experiment=args.consumer_experiment)
    facts["load_at_end"] = harness.load_average()
    print(harness.render(report), flush=True)
    path = harness.write_json(report, machine_facts=facts, quick=args.quick)
    print(f"\nwritten to {path.relative_to(ROOT)}")
    connections.close_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
