"""Two requests racing: the competing one is made to run at the worst moment — inside the first
request, when a function the use case calls is first called (:meth:`Meanwhile.wrap`) — in another
thread with its own session and connection, as a second server process would.

When the first request holds a lock by then (the fix), the competing request waits for it and the
first one goes on after a short wait; without the lock the competing request finishes first and the
first one acts on what it read before."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

BLOCKED = 1.0  # seconds the first request waits for the competing one (which may be waiting for it)


class Meanwhile:
    """Another request, sent once from a thread when :meth:`wrap`'s function is first called."""

    def __init__(self, app: Any, send: Callable[[Any], Any]) -> None:
        self.app, self.send, self.thread = app, send, None
        self.response: list[Any] = []

    def _run(self) -> None:
        made = self.send(self.app.test_client())
        self.response.append((made.status_code, made.get_json()))

    def start(self) -> None:
        if self.thread is None:
            self.thread = threading.Thread(target=self._run)
            self.thread.start()
            self.thread.join(BLOCKED)  # done, or waiting for the first request's lock

    def wrap(self, real: Callable[..., Any], *, after: bool) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not after:
                self.start()
            found = real(*args, **kwargs)
            if after:
                self.start()
            return found

        return wrapped

    def result(self) -> tuple[int, Any]:
        assert self.thread is not None, "the competing request was never sent"
        self.thread.join(30)
        assert not self.thread.is_alive()
        return self.response[0]
