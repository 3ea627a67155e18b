"""docs/api.md is written from the OpenAPI document and kept current."""

from __future__ import annotations

from pathlib import Path

from evalflow import create_app
from evalflow.shared.api.guide import render, type_of
from evalflow.shared.api.openapi import document
from tests.factories import make_config

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def _guide(tmp_path: Path) -> str:
    app = create_app(make_config(f"sqlite:///{tmp_path / 'g.sqlite3'}", tmp_path))
    result = app.test_cli_runner().invoke(args=["api-guide"])
    assert result.exit_code == 0, result.output
    return result.output


def test_api_guide_lists_every_operation_and_schema(tmp_path):
    text = _guide(tmp_path)
    spec = document()
    for path, item in spec["paths"].items():
        for method in ("get", "post", "put", "patch", "delete"):
            if method in item:
                assert f"### `{method.upper()} {path}`" in text
    for name in spec["components"]["schemas"]:
        assert f"### {name}\n" in text


def test_api_guide_type_reading():
    assert type_of({"type": "array", "items": {"$ref": "#/components/schemas/Unit"}}) == (
        "array of [Unit](#schema-unit)"
    )
    assert type_of({"type": ["string", "null"], "format": "date"}) == "string or null (date)"
    assert type_of({"type": "string", "enum": ["a", "b"]}) == "string: `a`, `b`"


def test_api_guide_in_docs_is_current(tmp_path):
    """Regenerate with: flask --app evalflow api-guide > docs/api.md"""
    assert GUIDE.read_text(encoding="utf-8") == _guide(tmp_path)
    assert render(document()) == GUIDE.read_text(encoding="utf-8")
