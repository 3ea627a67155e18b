"""URL converters: an ``<int:…>`` id in a path is at most 2**31 - 1, the largest value of the id
columns (``INTEGER``: 32 bits on PostgreSQL; ``shared/bounds.py``). A larger number names nothing:
it is a 404 like any unknown id — never an out-of-range error in the database (a 500), nor a 405
because another method's rule for the same path matched first."""

from __future__ import annotations

from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from evalflow.shared.bounds import MAX_ID, MAX_ID_DIGITS

__all__ = ["MAX_ID", "IdConverter"]


class IdConverter(IntegerConverter):
    """Also bounded in its pattern (at most 10 ASCII digits: ``\\d`` would take "٣"), so a huge
    number never reaches ``int()``."""

    regex = rf"[0-9]{{1,{MAX_ID_DIGITS}}}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise NotFound()
        return number
