"""House rules that a tool can check (docs/architecture.md): small modules and functions, a docstring
in every module, and pure rules that load without Flask or SQLAlchemy.

The import contracts themselves (layers, no cycles, what pure rules may import) are checked by
``lint-imports``, which ``make test`` runs before pytest; the last test here is their run-time twin:
it imports every module the contract calls pure in a fresh interpreter, so a package ``__init__``
that imports Flask on the way cannot hide behind the static check.
"""

from __future__ import annotations

import ast
import fnmatch
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "evalflow"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _contract(name_start: str) -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return next(c for c in config["contracts"] if c["name"].startswith(name_start))


def test_modules_stay_under_400_lines():
    long = {
        name: n
        for name, path in MODULES.items()
        if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def test_functions_stay_under_60_lines():
    long = {}
    for name, path in MODULES.items():
        for fn in _functions(ast.parse(path.read_text())):
            lines = fn.end_lineno - fn.lineno + 1
            if lines > MAX_FUNCTION_LINES:
                long[f"{name}.{fn.name}"] = lines
    assert long == {}


def test_every_module_says_what_it_is_for():
    missing = [name for name, path in MODULES.items() if not ast.get_docstring(ast.parse(path.read_text()))]
    assert missing == []


def test_the_size_checks_see_every_module():
    """Guards the checks above against silently walking an empty or wrong folder."""
    assert {"evalflow.shared.campaigns.transitions", "evalflow.briefing.ballots"} <= set(MODULES)
    assert len(MODULES) > 100


def _pure_modules() -> list[str]:
    patterns = _contract("Pure rules")["source_modules"]
    return sorted(m for m in MODULES if any(fnmatch.fnmatchcase(m, p) for p in patterns))


def test_pure_rules_load_without_flask_or_sqlalchemy():
    modules = _pure_modules()
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + "bad = sorted(n for n in sys.modules if n.split('.')[0] in"
        " {'flask', 'sqlalchemy', 'flask_sqlalchemy', 'werkzeug', 'wtforms'})\n" + "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert {"evalflow.intake.rules", "evalflow.tally.rules", "evalflow.shared.phases"} <= set(modules)
    assert result.stdout.strip() == ""


@pytest.mark.parametrize("pattern", ["evalflow.*.rules", "evalflow.shared.*.rules"])
def test_pure_rules_patterns_match_modules(pattern):
    """A pattern of the purity contract that matches nothing protects nothing."""
    assert [m for m in MODULES if fnmatch.fnmatchcase(m, pattern)]
