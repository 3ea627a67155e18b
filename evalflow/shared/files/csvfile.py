"""The one way the app writes CSV, and the rule that keeps spreadsheet cells from running as formulas.

Every CSV the app produces (tally, ballots, the office's archive, the audit log export) is written by
:func:`lines` / :func:`text` / :func:`data`. A text cell whose first character is ``= + - @`` TAB or
CR would be run as a formula by Excel, WPS or LibreOffice (CSV injection: a unit registering as
``=HYPERLINK(…)``), so it is written with an apostrophe in front (:func:`neutralise`). Numbers
(``int``, ``Decimal`` …) are written as they are: ``-2`` as a number is harmless.

The rule can be undone exactly (:func:`restore`), which the sealed ballot export relies on: a cell
that already starts with apostrophes followed by one of those characters gets one more, so a text
and its written form map one to one.

XLSX sheets keep such text as a string cell marked *quotePrefix* (no visible apostrophe):
:func:`xlsx_append`.

Plain Python (no Flask): the pure ballot export (``tally.seal_rules``) uses it too. The HTTP side is
``shared.files.store.send_csv`` (``Content-Type: text/csv; charset=utf-8``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # so that Excel reads the Chinese text as UTF-8
CRLF = "\r\n"


def needs_prefix(value: str) -> bool:
    """True when *value*, after its leading apostrophes, starts like a formula."""
    return value.lstrip("'").startswith(FORMULA_START)


def neutralise(value: Any) -> Any:
    """*value* as a cell a spreadsheet shows as text: ``'`` in front of a formula-like text."""
    if isinstance(value, str) and needs_prefix(value):
        return "'" + value
    return value


def restore(value: str) -> str:
    """The text :func:`neutralise` was given (its exact inverse on the cells it writes)."""
    return value[1:] if value.startswith("'") and needs_prefix(value[1:]) else value


def lines(rows: Iterable[Sequence[Any]], *, bom: bool = True, newline: str = CRLF) -> Iterator[str]:
    """The CSV text row by row (for streaming), the first chunk with the BOM; ``None`` is an empty
    cell, every text cell is neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    prefix = BOM if bom else ""
    for row in rows:
        writer.writerow(["" if value is None else neutralise(value) for value in row])
        yield prefix + buffer.getvalue()
        prefix = ""
        buffer.seek(0)
        buffer.truncate()
    if prefix:
        yield prefix


def text(rows: Iterable[Sequence[Any]], *, bom: bool = True, newline: str = CRLF) -> str:
    return "".join(lines(rows, bom=bom, newline=newline))


def data(rows: Iterable[Sequence[Any]], *, bom: bool = True, newline: str = CRLF) -> bytes:
    """The CSV as UTF-8 bytes (with the BOM unless told otherwise)."""
    return text(rows, bom=bom, newline=newline).encode("utf-8")


def xlsx_append(sheet: Any, values: Sequence[Any]) -> None:
    """Append a row to an openpyxl worksheet; a formula-like text stays a string cell shown as typed
    (no apostrophe), marked *quotePrefix* so that editing it in Excel does not turn it into a formula."""
    sheet.append(list(values))
    for cell, value in zip(sheet[sheet.max_row], values, strict=False):
        if isinstance(value, str) and needs_prefix(value):
            cell.value = value
            cell.data_type = "s"
            cell.quotePrefix = True
