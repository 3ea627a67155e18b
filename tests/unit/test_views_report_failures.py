"""House rules read from the code (AST): one commit per request, one way for a page to fail.

- Only ``evalflow/database.py`` (the request's commit, ``register_request_commit``) and the CLI
  (``evalflow/cli.py``: one commit per command) call ``.commit(``; use cases only flush.
- A view (a module named ``*pages.py``) never rolls back by itself, never flashes inside an
  ``except`` or with an error's text, and every ``except`` that catches a refusal (a
  ``DomainError``) reports it through ``shared/web/feedback.py``, which rolls back and says every
  reason — or raises it again.
"""

from __future__ import annotations

import ast
import builtins
import importlib
from collections.abc import Iterator
from pathlib import Path

from evalflow.shared.errors import DomainError

PACKAGE = Path(__file__).resolve().parents[2] / "evalflow"
MAY_COMMIT = {"evalflow/database.py", "evalflow/cli.py"}
FEEDBACK = {
    "flash_failure",
    "flash_form",
    "flash_stale",
    "flash_too_large",
    "show_on_form",
    "place_on_form",
    "undo",
}
ERROR_TEXT = {"form_errors", "error_list", "describe", "tr_all", "str"}


def _modules(pattern: str = "*.py") -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(PACKAGE.rglob(pattern)):
        yield str(path.relative_to(PACKAGE.parent)), ast.parse(path.read_text(encoding="utf-8"))


def _called(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _calls(node: ast.AST) -> Iterator[ast.Call]:
    return (n for n in ast.walk(node) if isinstance(n, ast.Call))


def _handlers(tree: ast.Module) -> Iterator[ast.ExceptHandler]:
    return (n for n in ast.walk(tree) if isinstance(n, ast.ExceptHandler))


def _views() -> Iterator[tuple[str, ast.Module]]:
    return _modules("*pages.py")


def _caught(module: object, handler: ast.ExceptHandler) -> list[type]:
    """The classes an ``except`` names, looked up in the view's module."""
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    found = []
    for kind in kinds:
        if isinstance(kind, ast.Name):
            found.append(getattr(module, kind.id, None) or getattr(builtins, kind.id))
        elif isinstance(kind, ast.Attribute) and isinstance(kind.value, ast.Name):
            found.append(getattr(getattr(module, kind.value.id), kind.attr))
    return found


def test_only_the_request_and_the_cli_commit():
    found = [
        f"{path}:{call.lineno}"
        for path, tree in _modules()
        if path not in MAY_COMMIT
        for call in _calls(tree)
        if isinstance(call.func, ast.Attribute) and call.func.attr == "commit"
    ]
    assert found == [], "commit only in database.register_request_commit (use cases flush)"


def test_views_never_roll_back_by_themselves():
    found = [
        f"{path}:{call.lineno}"
        for path, tree in _views()
        for call in _calls(tree)
        if _called(call) == "rollback"
    ]
    assert found == [], "a failed step goes through shared/web/feedback.py, which rolls back"


def test_views_never_flash_an_error_by_hand():
    found = []
    for path, tree in _views():
        for handler in _handlers(tree):
            found += [f"{path}:{c.lineno} (in except)" for c in _calls(handler) if _called(c) == "flash"]
        caught = {h.name for h in _handlers(tree) if h.name}
        for call in _calls(tree):
            if _called(call) != "flash":
                continue
            names = {n.id for arg in call.args for n in ast.walk(arg) if isinstance(n, ast.Name)}
            texts = {_called(c) for arg in call.args for c in _calls(arg)}
            if names & caught or texts & ERROR_TEXT:
                found.append(f"{path}:{call.lineno} (an error's text)")
    assert found == [], "shared/web/feedback.py says every reason of a refusal"


def test_views_that_catch_a_refusal_report_it_through_feedback():
    found = []
    for path, tree in _views():
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        for handler in _handlers(tree):
            if not any(isinstance(k, type) and issubclass(k, DomainError) for k in _caught(module, handler)):
                continue
            reraised = any(isinstance(n, ast.Raise) for n in ast.walk(handler))
            if not reraised and not {_called(c) for c in _calls(handler)} & FEEDBACK:
                found.append(f"{path}:{handler.lineno}")
    assert found == [], f"report a refusal with one of {sorted(FEEDBACK)}"


def test_the_checks_see_every_view():
    """The scans above would pass on nothing: make sure they read the views that catch refusals."""
    views = dict(_views())
    assert len(views) >= 10
    handlers = sum(1 for tree in views.values() for _ in _handlers(tree))
    assert handlers >= 30
