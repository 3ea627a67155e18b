"""URL converters: an ``<int:…>`` id in a path is at most a signed 64-bit integer (what both
databases store), so a longer number is a 404 like any unknown id, never an overflow (a 500)."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter

MAX_ID = 2**63 - 1


class IdConverter(IntegerConverter):
    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
