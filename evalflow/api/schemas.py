"""JSON Schemas of the API's bodies, used by the OpenAPI document."""

from __future__ import annotations

from typing import Any

APPLICATION_STATUSES = ["draft", "submitted", "accepted", "returned", "rejected"]
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

STR = {"type": "string"}

UNIT_WRITE = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "maxLength": 120},
        "category": {"type": "string", "maxLength": 60},
        "contact_name": {"type": "string", "maxLength": 60},
        "contact_phone": {"type": "string", "maxLength": 40},
    },
}

UNIT = {
    "type": "object",
    "required": ["id", "name", "category"],
    "properties": {
        **UNIT_WRITE["properties"],
        "id": {"type": "integer"},
        "username": {"type": ["string", "null"]},
        "registration": {"type": "string", "enum": ["approved", "pending"]},
        "application_status": {"type": "string", "enum": APPLICATION_STATUSES},
        "vetoed": {"type": "boolean", "description": "office only"},
    },
}

NEW_UNIT = {
    "type": "object",
    "required": ["id", "name", "category", "username", "password"],
    "properties": {
        **UNIT_WRITE["properties"],
        "id": {"type": "integer"},
        "username": STR,
        "password": {"type": "string", "description": "shown once"},
    },
}

REGISTRATION = {
    "type": "object",
    "required": ["name", "username", "password"],
    "properties": {
        **UNIT_WRITE["properties"],
        "username": STR,
        "password": {"type": "string", "minLength": 8},
    },
}

ATTACHMENT = {
    "type": "object",
    "required": ["id", "filename", "size", "sha256", "content_type"],
    "properties": {
        "id": {"type": "integer"},
        "filename": STR,
        "size": {"type": "integer"},
        "sha256": STR,
        "content_type": {
            "type": "string",
            "enum": [
                "application/pdf",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "image/jpeg",
                "image/png",
            ],
        },
    },
}

APPLICATION = {
    "type": "object",
    "required": ["status", "report_title", "report_text", "attachments", "review_comment"],
    "properties": {
        "unit_id": {"type": "integer"},
        "status": {"type": "string", "enum": APPLICATION_STATUSES},
        "report_title": STR,
        "report_text": STR,
        "attachments": {"type": "array", "items": {"$ref": "#/components/schemas/Attachment"}},
        "review_comment": STR,
        "submitted_at": {"type": ["string", "null"], "format": "date-time"},
        "reviewed_at": {"type": ["string", "null"], "format": "date-time"},
        "outline": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"level": {"type": "integer"}, "number": STR, "text": STR},
            },
        },
        "intake_deadline": {"type": ["string", "null"], "format": "date"},
    },
}

APPLICATION_WRITE = {
    "type": "object",
    "properties": {
        "report_title": {"type": "string", "maxLength": 200},
        "report_text": {"type": "string", "maxLength": 20000},
    },
}

APPLICATION_VERSION = {
    "type": "object",
    "properties": {
        "number": {"type": "integer"},
        "report_title": STR,
        "report_text": STR,
        "attachment_names": {"type": "array", "items": STR},
        "submitted_at": {"type": "string", "format": "date-time"},
    },
}

REVIEW_WRITE = {
    "type": "object",
    "required": ["decision"],
    "properties": {
        "decision": {"type": "string", "enum": ["accept", "return", "reject"]},
        "comment": {"type": "string", "maxLength": 2000, "description": "required to return or reject"},
    },
}

VETO_WRITE = {
    "type": "object",
    "required": ["kind", "occurred_on", "description"],
    "properties": {
        "kind": {"type": "string", "description": "one of the configured VETO_TYPES"},
        "occurred_on": {"type": "string", "format": "date"},
        "description": {"type": "string", "maxLength": 5000},
    },
}

COMPONENTS: dict[str, Any] = {
    "Error": ERROR,
    "Grade": GRADE,
    "Campaign": CAMPAIGN,
    "UnitWrite": UNIT_WRITE,
    "Unit": UNIT,
    "NewUnit": NEW_UNIT,
    "Registration": REGISTRATION,
    "Attachment": ATTACHMENT,
    "Application": APPLICATION,
    "ApplicationWrite": APPLICATION_WRITE,
    "ApplicationVersion": APPLICATION_VERSION,
    "ReviewWrite": REVIEW_WRITE,
    "VetoWrite": VETO_WRITE,
}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def list_of(name: str) -> dict[str, Any]:
    return {"type": "array", "items": ref(name)}


# --- training, shared Q&A and seats (issue 4) ---------------------------------------------------

_TS = {"type": ["string", "null"], "format": "date-time"}

TRAINING_WRITE = {
    "type": "object",
    "properties": {
        "starts_at": {**_TS, "description": "ISO 8601; without offset read in the office's time zone"},
        "place": {"type": "string", "maxLength": 200},
        "agenda": {
            "type": "array",
            "items": {"type": "string", "maxLength": 200},
            "minItems": 1,
            "maxItems": 30,
        },
    },
}
ATTENDANCE_WRITE = {
    "type": "object",
    "required": ["status"],
    "properties": {
        "status": {"type": "string", "enum": ["attended", "excused"]},
        "note": {"type": "string", "maxLength": 500, "description": "required when excused"},
    },
}
CHECKIN_OPEN = {
    "type": "object",
    "properties": {"minutes": {"type": "integer", "minimum": 1, "maximum": 480}},
}
CHECKIN_SCAN = {"type": "object", "required": ["code"], "properties": {"code": {"type": "string"}}}
FAQ_WRITE = {
    "type": "object",
    "required": ["question", "answer"],
    "properties": {
        "question": {"type": "string", "maxLength": 2000},
        "answer": {"type": "string", "maxLength": 10000},
    },
}
FAQ_ASK = {
    "type": "object",
    "required": ["question"],
    "properties": {"question": {"type": "string", "maxLength": 2000}},
}
FAQ_ANSWER = {
    "type": "object",
    "required": ["answer"],
    "properties": {"answer": {"type": "string", "maxLength": 10000}},
}
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

COMPONENTS.update(
    {
        "Training": {
            "type": "object",
            "properties": {
                "starts_at": _TS,
                "place": {"type": "string"},
                "agenda": {"type": "array", "items": {"type": "string"}},
                "materials": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "integer"},
                            "filename": {"type": "string"},
                            "size": {"type": "integer"},
                            "sha256": {"type": "string"},
                            "content_type": {"type": "string"},
                            "url": {"type": "string"},
                        },
                    },
                },
            },
        },
        "Attendance": {
            "type": "object",
            "properties": {
                "unit_id": {"type": "integer"},
                "status": {"type": "string", "enum": ["attended", "excused"]},
                "note": {"type": "string"},
                "marked_at": _TS,
            },
        },
        "AttendanceSummary": {
            "type": "object",
            "properties": {
                "total": {"type": "integer"},
                "trained": {"type": "integer"},
                "excused": {"type": "integer"},
                "missing": {"type": "array", "items": {"type": "string"}},
                "units": {"type": "array", "items": {"type": "object"}},
            },
        },
        "Checkin": {
            "type": "object",
            "properties": {"code": {"type": "string"}, "url": {"type": "string"}, "expires_at": _TS},
        },
        "FaqEntry": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "question": {"type": "string"},
                "answer": {"type": "string"},
                "answered": {"type": "boolean"},
                "asked_online": {"type": "boolean"},
                "asked_by_unit_id": {"type": ["integer", "null"], "description": "office only"},
                "created_at": _TS,
                "answered_at": _TS,
            },
        },
        "Seat": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "unit_id": {"type": "integer"},
                "role": {"type": "string", "enum": SEAT_ROLES},
                "role_label": {"type": "string"},
                "name": {"type": "string"},
            },
        },
        "IssuedSeat": {
            "type": "object",
            "required": ["id", "role", "name", "token", "url"],
            "properties": {
                "id": {"type": "integer"},
                "unit_id": {"type": "integer"},
                "role": {"type": "string", "enum": SEAT_ROLES},
                "role_label": {"type": "string"},
                "name": {"type": "string"},
                "token": {"type": "string", "description": "shown only now; stored hashed"},
                "url": {"type": "string", "description": "the seat's ballot page; needs no password"},
            },
        },
    }
)
