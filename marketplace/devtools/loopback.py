"""A threaded HTTP server on 127.0.0.1 for the local emulators of outside services."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self

HOST = "127.0.0.1"


class LoopbackHTTPServer:
    """Serves `handler_class` on 127.0.0.1:`port` (0: a free one) in a daemon thread.

    Subclasses create their state first, then call `super().__init__`; `start()` returns
    self, so `with Emulator(...) as emulator:` and `Emulator().start()` both work.
    """

    thread_name = "loopback-http"

    def __init__(self, handler_class: type[BaseHTTPRequestHandler], *, port: int = 0) -> None:
        self._server = ThreadingHTTPServer((HOST, port), handler_class)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> Self:
        # A short poll interval makes stop() quick (it waits for the next poll).
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=self.thread_name,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
