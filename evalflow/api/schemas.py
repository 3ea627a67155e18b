"""JSON Schemas of the API's bodies, used by the OpenAPI document."""

from __future__ import annotations

from typing import Any

PHASES = ["draft", "intake", "training", "briefing", "review", "notice", "final"]

ERROR: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
                "reasons": {"type": "array", "items": {"type": "string"}},
            },
        }
    },
}

GRADE = {
    "type": "object",
    "required": ["label", "points"],
    "properties": {
        "label": {"type": "string", "maxLength": 20},
        "points": {"type": "number", "minimum": 0, "maximum": 1000},
        "criteria": {"type": "string"},
    },
}

CAMPAIGN = {
    "type": "object",
    "required": ["id", "title", "phase", "notice_working_days", "scale", "transitions"],
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "phase": {"type": "string", "enum": PHASES},
        "phase_label": {"type": "string"},
        "notice_working_days": {"type": "integer"},
        "scale": {"type": "array", "items": {"$ref": "#/components/schemas/Grade"}},
        "transitions": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "to": {"type": "string", "enum": PHASES},
                    "allowed": {"type": "boolean"},
                    "reasons": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
    },
}

CAMPAIGN_WRITE = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "maxLength": 200},
        "description": {"type": "string", "maxLength": 5000},
        "notice_working_days": {"type": "integer", "minimum": 1, "maximum": 60, "default": 5},
        "scale": {"type": "array", "items": {"$ref": "#/components/schemas/Grade"}},
    },
}

COMPONENTS: dict[str, Any] = {
    "Error": ERROR,
    "Grade": GRADE,
    "Campaign": CAMPAIGN,
}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def list_of(name: str) -> dict[str, Any]:
    return {"type": "array", "items": ref(name)}
