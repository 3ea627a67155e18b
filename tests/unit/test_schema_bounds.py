"""Every number and date a request may send is bounded at the boundary (shared/bounds.py): an id is the
one ``Id`` type, a date the one ``Day`` type, any other whole number has an upper bound. A field added
later with a bare ``int`` id or a bare ``date`` fails here."""

from __future__ import annotations

import importlib
import pkgutil
import re
import types
from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel

import evalflow
from evalflow.shared.api.schemas import Day, Id, Input, Query
from evalflow.shared.bounds import MAX_ID

ID_NAME = re.compile(r"(^|_)ids?$|^seat$")


def _requests() -> list[type[BaseModel]]:
    for module in pkgutil.walk_packages(evalflow.__path__, "evalflow."):
        if module.name.rsplit(".", 1)[-1].endswith("schemas"):  # schemas.py, units_schemas.py …
            importlib.import_module(module.name)
    found: set[type[BaseModel]] = set()
    todo = [Input, Query]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.add(sub)
            todo.append(sub)
    return sorted(found, key=lambda m: m.__qualname__)


def _leaves(tp: Any, meta: tuple[Any, ...]) -> Iterator[tuple[Any, tuple[Any, ...]]]:
    """The leaf types of an annotation with the constraints that apply to each: a field's own
    constraints hold across a union, not inside a list's or a dict's items."""
    origin = get_origin(tp)
    if origin is Annotated:
        base, *extra = get_args(tp)
        yield from _leaves(base, (*meta, *extra))
    elif origin in (Union, types.UnionType):
        for arg in get_args(tp):
            yield from _leaves(arg, meta)
    elif origin is not None and origin is not Literal:
        for arg in get_args(tp):
            yield from _leaves(arg, ())
    else:
        yield tp, meta


def _fields(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, Any, tuple[Any, ...]]]:
    for name, info in model.model_fields.items():
        for leaf, meta in _leaves(info.annotation, tuple(info.metadata)):
            if isinstance(leaf, type) and issubclass(leaf, BaseModel):
                yield from _fields(leaf, f"{prefix}{model.__name__}.")
            else:
                yield f"{prefix}{model.__name__}.{name}", leaf, meta


def _is(meta: tuple[Any, ...], alias: Any) -> bool:
    return all(m in meta for m in alias.__metadata__)


def _bounded(meta: tuple[Any, ...]) -> bool:
    limits = [m.le for m in meta if isinstance(m, annotated_types.Le)]
    limits += [m.lt for m in meta if isinstance(m, annotated_types.Lt)]
    return any(limit <= MAX_ID for limit in limits)


def _is_id(name: str) -> bool:
    return bool(ID_NAME.search(name.rsplit(".", 1)[1]))


FIELDS = [f for model in _requests() for f in _fields(model)]


def test_the_walk_sees_the_request_shapes():
    names = {name for name, _, _ in FIELDS}
    assert {
        "ObjectionIn.unit_id",
        "NoticeIn.unit_ids",
        "NoticeIn.starts_on",
        "NoticeIn.ContactIn.phone",
    } <= names


def test_every_id_a_request_sends_is_the_one_id_type():
    ids = [(name, meta) for name, leaf, meta in FIELDS if leaf is int and _is_id(name)]
    assert len(ids) >= 5
    assert [name for name, meta in ids if not _is(meta, Id)] == []


def test_every_whole_number_a_request_sends_has_an_upper_bound():
    numbers = [(name, meta) for name, leaf, meta in FIELDS if leaf in (int, float)]
    assert [name for name, meta in numbers if not (_is(meta, Id) or _bounded(meta))] == []


def test_every_date_a_request_sends_is_the_one_day_type():
    dates = [(name, meta) for name, leaf, meta in FIELDS if leaf in (date, datetime)]
    assert {"NoticeIn.starts_on", "CalendarDayIn.day", "VetoIn.occurred_on"} <= {name for name, _ in dates}
    assert [name for name, meta in dates if not _is(meta, Day)] == []
