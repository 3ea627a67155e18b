"""House rules of the test suite that a tool can check (docs/architecture.md, "Tests").

- A test module (``tests/**/test_*.py``) never imports another test module: what several share
  lives in a non-test module (``tests/factories.py``, ``tests/*_world.py``, ``tests/*_steps.py``,
  ``tests/e2e/steps.py``).
- Data comes from one set of factories: no module under ``tests/`` but ``tests/factories.py`` calls
  the constructor of a table of the app. The tables are read from SQLAlchemy's registry, so a table
  added later is covered without a list to keep; the names a module calls are resolved through its
  imports, so an API schema that shares a table's name is not mistaken for it.
- The older ``tests/helpers.py`` does not come back.

Each check is also run on a small planted source, so it is known to catch what it looks for.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from evalflow.extensions import db
from tests import app_modules

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
FACTORIES = TESTS / "factories.py"


def _modules() -> dict[str, Path]:
    """Every Python module under ``tests/`` by dotted name (the browser tests' node_modules aside)."""
    found = {}
    for path in sorted(TESTS.rglob("*.py")):
        if "node_modules" in path.parts:
            continue
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()
TEST_MODULES = {name for name in MODULES if name.rsplit(".", 1)[-1].startswith("test_")}


def _package_of(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _imported(tree: ast.AST, name: str, path: Path) -> Iterator[tuple[int, str]]:
    """``(line, dotted name)`` of every module an import statement of the module may load: for
    ``from a.b import c`` both ``a.b`` and ``a.b.c`` (``c`` may be a module); relative imports resolved."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = _package_of(name, path).split(".")
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, base] if base else package)
            yield node.lineno, base
            yield from ((node.lineno, f"{base}.{alias.name}") for alias in node.names)


def imports_between_test_modules(name: str, path: Path, source: str) -> list[str]:
    tree = ast.parse(source)
    return sorted(
        {
            f"{name}:{line} imports {target}"
            for line, target in _imported(tree, name, path)
            if target in TEST_MODULES
        }
    )


def test_no_test_module_imports_another_test_module():
    found = [
        problem
        for name in sorted(TEST_MODULES)
        for problem in imports_between_test_modules(name, MODULES[name], MODULES[name].read_text())
    ]
    assert found == []


def test_the_import_check_catches_every_form_of_import():
    """Planted: absolute, ``from package import module``, relative and plain ``import`` forms."""
    path = TESTS / "web" / "test_planted.py"
    planted = (
        "from tests.web.test_html_auth import login\n"
        "from tests.web import test_intake_html\n"
        "from .test_seats_api import build\n"
        "from . import test_tally_api\n"
        "def later():\n"
        "    import tests.web.test_notice_api\n"
        "from tests.web.test_no_such_module import x\n"  # not a test module of the suite: not reported
    )
    found = imports_between_test_modules("tests.web.test_planted", path, planted)
    assert [problem.split(" imports ")[1] for problem in found] == [
        "tests.web.test_html_auth",
        "tests.web.test_intake_html",
        "tests.web.test_seats_api",
        "tests.web.test_tally_api",
        "tests.web.test_notice_api",
    ]
    assert {"tests.web.test_html_auth", "tests.unit.test_test_suite_rules"} <= TEST_MODULES


# --- one way to build data ----------------------------------------------------------------------------


def _tables() -> set[type]:
    """Every class mapped to a table of the app (each phase's ``models.py`` imported first)."""
    app_modules.import_all("models")
    return {mapper.class_ for mapper in db.Model.registry.mappers}


TABLES = _tables()


def _bindings(tree: ast.AST) -> dict[str, tuple[str, str | None]]:
    """What each imported name is bound to: ``(module, attribute)``, or ``(module, None)`` for a module."""
    bound: dict[str, tuple[str, str | None]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    bound[alias.asname] = (alias.name, None)
                else:
                    bound[alias.name.split(".")[0]] = (alias.name.split(".")[0], None)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                bound[alias.asname or alias.name] = (node.module, alias.name)
    return bound


def _load(module: str, attribute: str | None) -> Any:
    try:
        loaded: Any = importlib.import_module(module)
        if attribute is None:
            return loaded
        if hasattr(loaded, attribute):
            return getattr(loaded, attribute)
        return importlib.import_module(f"{module}.{attribute}")
    except ImportError:
        return None


def _callee(func: ast.expr, bound: dict[str, tuple[str, str | None]]) -> Any:
    """The object a call's ``name(…)`` or ``module.attr….name(…)`` refers to, through the imports."""
    chain: list[str] = []
    while isinstance(func, ast.Attribute):
        chain.insert(0, func.attr)
        func = func.value
    if not isinstance(func, ast.Name) or func.id not in bound:
        return None
    found = _load(*bound[func.id])
    for attribute in chain:
        if not isinstance(found, ModuleType):  # an attribute of an object (``db.session.add``): no table
            return None
        found = getattr(found, attribute) if hasattr(found, attribute) else _load(found.__name__, attribute)
    return found


def rows_built(name: str, source: str) -> list[str]:
    """``module:line Table(…)`` for every call of a table's constructor in *source*."""
    tree = ast.parse(source)
    bound = _bindings(tree)
    return [
        f"{name}:{node.lineno} {ast.unparse(node.func)}(…)"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _callee(node.func, bound) in TABLES
    ]


def test_only_the_factories_build_rows():
    """A test that needs a row asks ``tests.factories`` (add a factory there) or a use case of the app."""
    found = [
        problem
        for name, path in MODULES.items()
        if path != FACTORIES
        for problem in rows_built(name, path.read_text())
    ]
    assert found == []


def test_the_row_check_sees_the_factories_and_planted_rows():
    """The check finds the factories' own constructors, and a planted row in each import style."""
    assert len(TABLES) > 20
    assert len(rows_built("tests.factories", FACTORIES.read_text())) >= 10
    planted = (
        "from evalflow.shared.campaigns.models import Campaign as C\n"
        "from evalflow.briefing import models\n"
        "import evalflow.intake.models\n"
        "from evalflow.shared.api.schemas import Input\n"
        "C(title='x')\n"
        "models.Ballot(grade='好')\n"
        "evalflow.intake.models.VetoIncident(kind='x')\n"
        "Input()\n"  # not a table
    )
    assert rows_built("planted", planted) == [
        "planted:5 C(…)",
        "planted:6 models.Ballot(…)",
        "planted:7 evalflow.intake.models.VetoIncident(…)",
    ]


def test_the_older_helpers_module_does_not_come_back():
    assert not (TESTS / "helpers.py").exists(), "tests/helpers.py is retired: add to tests/factories.py"
    assert "tests.factories" in MODULES
