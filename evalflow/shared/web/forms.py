"""WTForms of the HTML interface. Labels are translatable; rules are checked again in services."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateTimeField,
    Form,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import ValidationError

from evalflow.shared import bounds
from evalflow.shared.i18n import tr
from evalflow.shared.text import text_problem

# Inputs of one line: a browser never puts a line break in them, so one there was crafted or pasted
# (U+2028, TAB) — refused like in the API's one-line fields (shared.api.schemas.line).
ONE_LINE_INPUTS = frozenset({"text", "email", "tel", "search", "url"})


class CleanText:
    """The validator every text field gets (through :class:`SafeForm`): no NUL, control characters
    or lone surrogates, visible text rather than only invisible characters, and no line break in a
    one-line input — the same rule as the API (:func:`evalflow.shared.text.text_problem`)."""

    def __call__(self, form: Form, field: object) -> None:
        value = getattr(field, "data", None)
        if not isinstance(value, str):
            return
        single_line = getattr(getattr(field, "widget", None), "input_type", None) in ONE_LINE_INPUTS
        problem = text_problem(
            value,
            required=bool(field.flags.required),  # type: ignore[attr-defined]
            single_line=single_line,
        )
        if problem is not None:
            raise ValidationError(tr(problem))


class DayInRange:
    """The validator every date field gets (through :class:`SafeForm`): a day an office could mean,
    the same bounds as the API's ``Day`` (:mod:`evalflow.shared.bounds`)."""

    def __call__(self, form: Form, field: object) -> None:
        value = getattr(field, "data", None)
        if isinstance(value, date) and not bounds.day_in_range(value):
            raise ValidationError(tr(bounds.day_range()))


class _CleanTextMeta:
    """Adds :class:`CleanText` to every text field (StringField and its kinds: text areas,
    passwords, hidden fields) and :class:`DayInRange` to every date field when a form is built, so
    no form can forget them."""

    def bind_field(self, form: Form, unbound_field: object, options: dict) -> object:
        field = super().bind_field(form, unbound_field, options)  # type: ignore[misc]
        if isinstance(field, StringField) and type(field).__name__ != "CSRFTokenField":
            field.validators = [*field.validators, CleanText()]
        if isinstance(field, DateTimeField):
            field.validators = [*field.validators, DayInRange()]
        return field


# --- ids: the same bounds as the API's ``Id`` (shared/bounds.py) --------------------------------------


def form_id(value: object) -> int:
    """The ``coerce`` of a choice of ids: ASCII digits naming an id in range, else ``ValueError``."""
    number = bounds.parse_id(value)
    if number is None:
        raise ValueError(tr(bounds.id_range()))
    return number


class IdField(IntegerField):
    """An id typed or sent by the page (ASCII digits, 1..MAX_ID); anything else is refused with the
    reason, never passed to the database."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        self.data = bounds.parse_id(valuelist[0])
        if self.data is None:
            raise ValueError(tr(bounds.id_range()))


class IdSelectField(SelectField):
    """A choice of one id (a ``<select>`` or radio buttons)."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, coerce=form_id, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.invalid_value_message = tr(bounds.id_range())
        super().process_formdata(valuelist)


class IdMultipleField(SelectMultipleField):
    """A choice of several ids (check boxes); the good ones stay chosen when one is refused."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, coerce=form_id, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        ids = [bounds.parse_id(value) for value in valuelist]
        self.data = [number for number in ids if number is not None]
        if len(self.data) < len(ids):
            raise ValueError(tr(bounds.id_range()))


class SafeForm(FlaskForm):
    """The base of every form of the HTML interface (a test checks that none is missed)."""

    class Meta(_CleanTextMeta):
        pass


class SafeSubForm(Form):
    """The base of sub-forms (``FormField`` rows)."""

    class Meta(_CleanTextMeta):
        pass


class EmptyForm(SafeForm):
    """A form with only the CSRF token (logout, one-click actions)."""


def error_list(form: FlaskForm) -> list[str]:
    """Every error message of a form, nested field lists included, as plain strings."""

    def flat(errors: object) -> list[str]:
        if isinstance(errors, dict):
            return [e for value in errors.values() for e in flat(value)]
        if isinstance(errors, list | tuple):
            return [e for value in errors for e in flat(value)]
        return [str(errors)]

    return flat(form.errors)


def form_errors(form: FlaskForm) -> str:
    """All of a form's error messages as one sentence for a flash (lazy strings rendered)."""
    return " ".join(error_list(form))
