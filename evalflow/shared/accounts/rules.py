"""Limits of logins, shared by the API schemas, the forms and the model."""

from __future__ import annotations

MAX_USERNAME = 80  # the column's length
MAX_PASSWORD = 1024  # bounds the cost of hashing what a client sends
