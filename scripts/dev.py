"""`make run`: check services, prepare the database, then supervise web, relay and worker.

Run it with the project's interpreter: `.venv/bin/python scripts/dev.py`.

1. PostgreSQL (DATABASE_URL) and Redis (REDIS_URL) must answer; the database is created if
   missing. Kafka (KAFKA_BOOTSTRAP_SERVERS): reused when something answers there, otherwise
   a Tansu broker (memory storage) is started on that loopback port. With no Google or
   GitHub client id set, a local stand-in for both makes social sign-in work offline.
   With no EMAIL_URL set, a local mail sink catches every email (SMTP 127.0.0.1:1025,
   inbox http://127.0.0.1:8025/).
2. migrate_schemas --shared, prepare_shops, migrate_schemas --tenant, collectstatic and
   seed_demo run once (all idempotent).
3. web (uvicorn), relay and worker run with their output prefixed by their name.
4. Ctrl-C or SIGTERM stops them all (SIGTERM, then SIGKILL after 10 s) and exits 0; a child
   that exits on its own stops everything and exits 1.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType
from typing import IO, NoReturn
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from marketplace import env as settings_env  # noqa: E402
from marketplace.devtools.mailsink import MailSink  # noqa: E402
from marketplace.devtools.oauth_provider import LocalOAuthProvider  # noqa: E402
from marketplace.devtools.tansu import TansuBroker, TansuError, wait_for_port  # noqa: E402

PYTHON = sys.executable
BIN = Path(sys.executable).parent
MANAGE = str(REPO / "manage.py")
HOST = "127.0.0.1"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
START_REDIS = (
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no'
)
SHUTDOWN_GRACE = 10.0
HEALTH_TIMEOUT = 60.0

stop_requested = threading.Event()
print_lock = threading.Lock()


def say(message: str) -> None:
    with print_lock:
        for line in message.splitlines():
            print(f"dev    | {line}", flush=True)


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


# --- 1. services ---------------------------------------------------------------------------


def check_postgres(url: str) -> str | None:
    """Create the database if it is missing. Returns an error message, or None when ready."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    dbname = parts.path.lstrip("/") or "postgres"
    admin_url = parts._replace(path="/postgres").geturl()
    try:
        with psycopg.connect(admin_url, connect_timeout=3, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname])
            if exists.fetchone() is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
                say(f"created database {dbname}")
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return (
            f"PostgreSQL is not reachable at {redact(url)} ({reason}).\n"
            f"  start it with: {START_POSTGRES}"
        )
    return None


def check_redis(url: str) -> str | None:
    """Returns an error message, or None when Redis answers PING."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
        client.ping()
        client.close()
    except redis.RedisError as exc:
        return f"Redis is not reachable at {redact(url)} ({exc}).\n  start it with: {START_REDIS}"
    return None


def kafka_answers(bootstrap: str, timeout: float = 5.0) -> bool:
    """True when a Kafka-protocol broker at `bootstrap` returns cluster metadata."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": 0})
    try:
        admin.list_topics(timeout=timeout)
    except KafkaException:
        return False
    return True


def ensure_kafka(bootstrap: str) -> TansuBroker | None:
    """Reuse a broker that answers at the first bootstrap address, or start Tansu there.
    Returns the broker we started (None when reusing one); exits when neither is possible."""
    first = bootstrap.split(",")[0].strip()
    host, _, port_text = first.rpartition(":")
    if not port_text.isdigit():
        fail(f"KAFKA_BOOTSTRAP_SERVERS={bootstrap!r} is not host:port")
    host, port = host.strip("[]") or HOST, int(port_text)
    if wait_for_port(host, port, 0.5):
        if not kafka_answers(bootstrap):
            fail(f"{first} accepts connections but gave no Kafka metadata within 5 s")
        say(f"Kafka: reusing the broker at {bootstrap}")
        return None
    if host not in LOOPBACK:
        fail(f"Kafka is not reachable at {first}, and a local broker can only run on loopback")
    broker = TansuBroker(port)
    try:
        broker.start()
    except TansuError as exc:
        fail(str(exc))
    say(f"Kafka: started Tansu (memory storage) at {broker.bootstrap}")
    return broker


def start_oauth_provider(env: dict[str, str]) -> LocalOAuthProvider | None:
    """With no Google or GitHub client id configured, a local stand-in for both (a consent
    page where you type who signs in) makes social sign-in work offline. Sets `env` so
    the web process talks to it."""
    if env.get("GOOGLE_CLIENT_ID") or env.get("GITHUB_CLIENT_ID"):
        return None
    provider = LocalOAuthProvider(interactive=True).start()
    env.update(provider.stack_env())
    say(f"social sign-in: local stand-in for Google and GitHub at {provider.url}")
    return provider


MAIL_SMTP_PORT = 1025
MAIL_INBOX_PORT = 8025


def start_mail_sink(env: dict[str, str]) -> tuple[MailSink | None, str | None]:
    """With no EMAIL_URL set, send every email to a local sink whose inbox is a web page.
    Sets `env` so web, relay and worker send there. Returns the sink we started (None when
    EMAIL_URL is set or a sink already listens) and the inbox URL to print."""
    if env.get("EMAIL_URL"):
        return None, None
    inbox = f"http://{HOST}:{MAIL_INBOX_PORT}/"
    env["EMAIL_URL"] = f"smtp://{HOST}:{MAIL_SMTP_PORT}"
    if wait_for_port(HOST, MAIL_SMTP_PORT, 0):
        say(f"mail: something listens on {HOST}:{MAIL_SMTP_PORT} already; sending there")
        return None, inbox
    try:
        sink = MailSink(smtp_port=MAIL_SMTP_PORT, http_port=MAIL_INBOX_PORT).start()
    except OSError as exc:
        fail(f"cannot start the mail sink ({exc}): free ports {MAIL_SMTP_PORT} and "
             f"{MAIL_INBOX_PORT}, or set EMAIL_URL")  # fmt: skip
    say(f"mail: local sink at {sink.email_url}, inbox {sink.inbox_url}")
    return sink, sink.inbox_url


# --- processes -----------------------------------------------------------------------------


def spawn(argv: list[str], env: dict[str, str], stdout: int | IO[str]) -> subprocess.Popen[str]:
    """Start a child in its own process group, so a terminal Ctrl-C reaches only us and we
    stop the children in order."""
    return subprocess.Popen(
        argv, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=stdout,
        stderr=subprocess.STDOUT, text=True, errors="replace", process_group=0,
    )  # fmt: skip


def run_step(name: str, args: list[str], env: dict[str, str]) -> str:
    """Run `manage.py <args>` to completion and return its output. If it fails, print its
    output and exit 1; on a stop signal (Ctrl-C, SIGTERM), stop it and exit 0."""
    if stop_requested.is_set():
        say("interrupted")
        raise SystemExit(0)
    started = time.monotonic()
    with tempfile.TemporaryFile("w+", errors="replace") as out:
        proc = spawn([PYTHON, MANAGE, *args], env, out)
        while proc.poll() is None:
            if stop_requested.wait(0.1):
                terminate_all({name: proc})
                say(f"interrupted during manage.py {args[0]}")
                raise SystemExit(0)
        out.seek(0)
        output = out.read()
    if proc.returncode != 0:
        with print_lock:
            print(output, end="" if output.endswith("\n") else "\n", flush=True)
        fail(f"manage.py {' '.join(args)} failed (exit {proc.returncode}): see its output above")
    say(f"ok  manage.py {' '.join(args)}  ({time.monotonic() - started:.1f} s)")
    return output


def pump(name: str, proc: subprocess.Popen[str]) -> None:
    """Copy a child's output to ours, each line prefixed with the child's name."""
    assert proc.stdout is not None
    for line in proc.stdout:
        with print_lock:
            print(f"{name:<6} | {line.rstrip()}", flush=True)


def terminate_all(
    children: dict[str, subprocess.Popen[str]], grace: float = SHUTDOWN_GRACE
) -> float:
    """SIGTERM every live child, wait up to `grace` s in all, SIGKILL the rest.
    Returns the time left of the grace period."""
    for proc in children.values():
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + grace
    for name, proc in children.items():
        try:
            proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"{name} did not stop within {grace:.0f} s: killing it")
            proc.kill()
            proc.wait()
    return max(0.0, deadline - time.monotonic())


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own URL
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def fail(message: str) -> NoReturn:
    say(f"ERROR: {message}")
    raise SystemExit(1)


def on_signal(signum: int, frame: FrameType | None) -> None:
    stop_requested.set()


# --- main ----------------------------------------------------------------------------------


def main() -> int:
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    for name in ("DATABASE_URL", "REDIS_URL", "KAFKA_BOOTSTRAP_SERVERS"):
        env.setdefault(name, settings_env.get(name))
    port = int(env.get("PORT", "8000"))
    base = f"http://{HOST}:{port}"
    env.setdefault("SITE_URL", base)  # links in emails lead back to this server

    if not (REPO / "manage.py").exists():
        fail(f"{MANAGE} does not exist")
    if wait_for_port(HOST, port, 0):
        fail(f"port {port} is already taken on {HOST}: stop what runs there or set PORT")
    problems = [
        problem
        for problem in (check_postgres(env["DATABASE_URL"]), check_redis(env["REDIS_URL"]))
        if problem
    ]
    if problems:
        fail("missing services:\n" + "\n".join(problems))

    broker = ensure_kafka(env["KAFKA_BOOTSTRAP_SERVERS"])
    oauth_provider = start_oauth_provider(env)
    mail_sink, mail_inbox = start_mail_sink(env)
    children: dict[str, subprocess.Popen[str]] = {}
    pumps: list[threading.Thread] = []
    code = 1
    try:
        if broker is not None:
            env["KAFKA_BOOTSTRAP_SERVERS"] = broker.bootstrap
        # Template and pool before the shops: a shop created while the shops migrate then
        # already gets the new tables (pooled schemas are not Shop rows, migrate skips them).
        run_step("migrate", ["migrate_schemas", "--shared", "--noinput"], env)
        run_step("shops", ["prepare_shops"], env)
        run_step("migrate", ["migrate_schemas", "--tenant", "--noinput"], env)
        run_step("static", ["collectstatic", "--noinput", "-v0"], env)
        logins = run_step("seed", ["seed_demo"], env)

        web = [str(BIN / "uvicorn"), "marketplace.asgi:application", "--host", HOST]
        commands = {
            "web": [*web, "--port", str(port), "--timeout-graceful-shutdown", "5"],
            "relay": [PYTHON, MANAGE, "relay"],
            "worker": [PYTHON, MANAGE, "worker"],
        }
        for name, argv in commands.items():
            children[name] = spawn(argv, env, subprocess.PIPE)
            pumps.append(threading.Thread(target=pump, args=(name, children[name]), daemon=True))
            pumps[-1].start()

        code = supervise(children, broker, base, logins, mail_inbox)
    finally:
        stopping = time.monotonic()
        left = terminate_all(children)
        if broker is not None:
            broker.stop(timeout=max(1.0, left))
        if oauth_provider is not None:
            oauth_provider.stop()
        if mail_sink is not None:
            mail_sink.stop()
        for thread in pumps:
            thread.join(1.0)
        if children or broker is not None:
            say(f"stopped everything ({time.monotonic() - stopping:.1f} s)")
    return code


def supervise(
    children: dict[str, subprocess.Popen[str]],
    broker: TansuBroker | None,
    base: str,
    logins: str,
    mail_inbox: str | None = None,
) -> int:
    """Wait for /healthz, print where to go, then watch the children (and our broker) until
    a stop signal (returns 0) or until one of them exits or /healthz never answers (1)."""
    ready_by = time.monotonic() + HEALTH_TIMEOUT
    ready = False
    while not stop_requested.wait(0.5):
        for name, proc in children.items():
            if proc.poll() is not None:
                say(f"ERROR: {name} exited unexpectedly with code {proc.returncode}; stopping")
                return 1
        if broker is not None and not broker.running:
            say(f"ERROR: the Tansu broker exited unexpectedly; its output:\n{broker.output_tail()}")
            return 1
        if not ready:
            if healthy(f"{base}/healthz"):
                ready = True
                announce(base, logins, mail_inbox)
            elif time.monotonic() > ready_by:
                say(f"ERROR: {base}/healthz did not answer 200 within {HEALTH_TIMEOUT:.0f} s")
                return 1
    say("stopping (signal received)")
    return 0


def announce(base: str, logins: str, mail_inbox: str | None = None) -> None:
    lines = [
        "",
        "Marketplace is running:",
        f"  site        {base}/",
        f"  sell        {base}/sell/",
        f"  API docs    {base}/api/v1/docs",
        f"  health      {base}/healthz",
        f"  admin       {base}/admin/",
        *([f"  mail        {mail_inbox}  (every email the site sends)"] if mail_inbox else []),
        "",
        *(f"  {line}" for line in logins.strip().splitlines()),
        "",
        "Ctrl-C stops everything.",
        "",
    ]
    with print_lock:
        print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
