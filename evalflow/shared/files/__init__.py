"""Uploaded files: checked by content, capped, stored under generated names, sent back safely."""
