"""Translatable messages of the domain core.

The domain writes messages in Chinese (the product's first language) and marks them with ``N_`` so
that ``pybabel extract`` finds them; the web layer translates them at display time. A
:class:`Message` keeps the template and its parameters apart so translation happens late.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


def N_(template: str) -> str:
    """Mark *template* for extraction without translating it."""
    return template


@dataclass(frozen=True)
class Message:
    """A translatable sentence: a template with ``%(name)s`` placeholders and its values."""

    template: str
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def render(self, translate: Callable[[str], str] | None = None) -> str:
        """The sentence in the target language; parameters that are messages (a phase's name, a
        role's label) are translated too."""
        text = translate(self.template) if translate else self.template
        if not self.params:
            return text
        values = {k: v.render(translate) if isinstance(v, Message) else v for k, v in self.params.items()}
        return text % values

    def __str__(self) -> str:
        return self.render()


def msg(template: str, **params: Any) -> Message:
    return Message(template, MappingProxyType(dict(params)))
