"""URL converters: an ``<int:…>`` id in a path is at most a signed 64-bit integer (what both
databases store). A longer number names nothing: it is a 404 like any unknown id — never an
overflow in the database (a 500), nor a 405 because another method's rule matched first."""

from __future__ import annotations

from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

MAX_ID = 2**63 - 1


class IdConverter(IntegerConverter):
    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise NotFound()
        return number
