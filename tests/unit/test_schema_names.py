"""Every API shape has a name of its own: the OpenAPI document (and docs/api.md, and the fuzz test
that reads it) keys its schemas by class name, so two shapes with one name would show one
route the other's body (the 材料审核 sheet once showed the inspection sheet's fields)."""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel

import evalflow
from evalflow.shared.api.schemas import Input, Output, Query


def _shapes() -> list[type[BaseModel]]:
    evalflow.create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x"})  # every phase's schemas imported
    found, todo = set(), [Input, Output, Query]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.add(sub)
            todo.append(sub)
    return sorted(found, key=lambda m: f"{m.__module__}.{m.__qualname__}")


def test_no_two_api_shapes_share_a_name():
    shapes = _shapes()
    assert len(shapes) > 50
    names = Counter(shape.__name__ for shape in shapes)
    twice = {name: [f"{s.__module__}.{s.__qualname__}" for s in shapes if s.__name__ == name]
             for name, n in names.items() if n > 1}  # fmt: skip
    assert twice == {}


def test_the_materials_sheet_body_is_its_own_in_the_openapi_document(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    body = document["paths"]["/api/v1/campaigns/{cid}/units/{uid}/materials-sheet"]["put"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    properties = document["components"]["schemas"][ref]["properties"]
    assert {"scores", "submit"} <= set(properties) and "arrived_at" not in properties
