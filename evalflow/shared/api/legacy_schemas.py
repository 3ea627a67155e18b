"""LEGACY: hand-written JSON Schemas still used by ``briefing/seats_api.py`` until the briefing work converts
it to typed schemas (``evalflow/schemas/``). Do not add to this module; delete it with that change."""

from __future__ import annotations

from typing import Any


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def list_of(name: str) -> dict[str, Any]:
    return {"type": "array", "items": ref(name)}


SEAT_ROLES = ["reporter", "cadre", "public"]
SEAT_WRITE = {
    "type": "object",
    "required": ["role", "name"],
    "properties": {
        "role": {"type": "string", "enum": SEAT_ROLES},
        "name": {"type": "string", "maxLength": 60},
    },
}
SEAT_RENAME = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string", "maxLength": 60}},
}

_SEAT_PROPERTIES = {
    "id": {"type": "integer"},
    "unit_id": {"type": "integer"},
    "role": {"type": "string", "enum": SEAT_ROLES},
    "role_label": {"type": "string"},
    "name": {"type": "string"},
}
COMPONENTS: dict[str, Any] = {
    "Seat": {"type": "object", "properties": _SEAT_PROPERTIES},
    "IssuedSeat": {
        "type": "object",
        "required": ["id", "role", "name", "token", "url"],
        "properties": {
            **_SEAT_PROPERTIES,
            "token": {"type": "string", "description": "shown only now; stored hashed"},
            "url": {"type": "string", "description": "the seat's ballot page; needs no password"},
        },
    },
}
