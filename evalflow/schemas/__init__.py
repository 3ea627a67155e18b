"""Typed request and response schemas of the JSON API (pydantic v2), declared once.

Each declaration validates input (errors in the contract's shape, in Chinese), serializes output,
and generates the OpenAPI document. Limits come from the domain's constants.
"""
