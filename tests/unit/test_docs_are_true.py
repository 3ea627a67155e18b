"""The docs tell the truth about the code, checked rather than trusted.

- Every audit action the code records has its words in ``office/labels.py`` (``AUDIT_ACTIONS``):
  the codes are read from the code (AST) — the action passed to ``audit.record(…)`` /
  ``record_last(…)``, whether a literal, a constant, a choice between two, or an f-string whose
  holes are filled by the function's callers.
- Every name of code in ``docs/*.md``, ``README.md`` and ``bench/README.md`` exists: file paths
  (``evalflow/…``, ``tests/…``, ``bench/…``, ``templates/…``, ``docs/…``, and paths inside the
  package such as ``briefing/api.py``), ``path.py::function``, a function named in brackets after
  its file (``briefing/api.py`` (``put_ballot``)), ``folder/module.function``, test names, dotted names (``evalflow.x.y``,
  ``shared.campaigns.transitions``) and ``module.function`` in backticks. A dotted name may also be
  an audit action code or a ``table.column``; a name that resolves to none fails with its doc and
  line: fix the doc.
"""

from __future__ import annotations

import ast
import importlib
import itertools
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from evalflow.extensions import db
from evalflow.office.labels import AUDIT_ACTIONS

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "evalflow"
DOCS = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md", ROOT / "bench" / "README.md"]
RECORDERS = {"record", "record_last"}  # shared/audit/record.py: the action is the second argument


# --- the code, read once ---------------------------------------------------------------------------


@cache
def _trees() -> dict[str, ast.Module]:
    """Every module of the package by dotted name (a package under its own name)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = ast.parse(path.read_text(encoding="utf-8"))
    return found


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _enclosing(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> ast.FunctionDef | None:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.FunctionDef):
            return node
    return None


def _called(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


# --- audit action codes ----------------------------------------------------------------------------


class Unresolved(Exception):
    """An action the scan cannot follow: make it a literal, a constant or a parameter."""


def _argument(call: ast.Call, function: ast.FunctionDef, name: str) -> ast.expr | None:
    params = [a.arg for a in [*function.args.posonlyargs, *function.args.args]]
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    index = params.index(name) if name in params else -1
    return call.args[index] if 0 <= index < len(call.args) else None


def _from_callers(module: str, function: ast.FunctionDef, name: str) -> set[str]:
    """A parameter's values: its default, and what every call of the function passes."""
    args = function.args
    defaults = dict(zip([a.arg for a in args.args][::-1], args.defaults[::-1], strict=False))
    values = _values(defaults[name], module, None) if name in defaults else set()
    public = not function.name.startswith("_")
    for caller, tree in _trees().items():
        if caller != module and not public:
            continue
        parents = _parents(tree)
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            if _called(call) == function.name and (passed := _argument(call, function, name)) is not None:
                values |= _values(passed, caller, _enclosing(call, parents))
    return values


def _assigned(name: str, scope: ast.AST) -> list[ast.expr]:
    """What *name* is assigned in *scope* (``x = …`` or ``x, y = …, …``), not looking into functions
    when *scope* is a module."""
    nodes = ast.walk(scope) if isinstance(scope, ast.FunctionDef) else iter(scope.body)  # type: ignore[attr-defined]
    found = []
    for node in nodes:
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if isinstance(target, ast.Name) and target.id == name:
                found.append(node.value)
            elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                found += [
                    v
                    for t, v in zip(target.elts, node.value.elts, strict=True)
                    if getattr(t, "id", "") == name
                ]
    return found


def _values(expr: ast.expr, module: str, function: ast.FunctionDef | None) -> set[str]:
    """Every string *expr* can be, following constants, assignments, parameters and f-strings."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return {expr.value}
    if isinstance(expr, ast.IfExp):
        return _values(expr.body, module, function) | _values(expr.orelse, module, function)
    if isinstance(expr, ast.JoinedStr):
        parts = [
            _values(v.value if isinstance(v, ast.FormattedValue) else v, module, function)
            for v in expr.values
        ]
        return {"".join(p) for p in itertools.product(*parts)}
    if isinstance(expr, ast.Name):
        if function is not None and expr.id in {a.arg for a in function.args.args}:
            return _from_callers(module, function, expr.id)
        local = _assigned(expr.id, function) if function is not None else []
        found = local or _assigned(expr.id, _trees()[module])
        if found:
            return set().union(*(_values(v, module, function if local else None) for v in found))
    raise Unresolved(f"{module}: {ast.unparse(expr)}")


@cache
def recorded_actions() -> dict[str, str]:
    """Every action code the code records, with the first place that records it."""
    found: dict[str, str] = {}
    for module, tree in _trees().items():
        parents = _parents(tree)
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            if _called(call) not in RECORDERS or len(call.args) < 2 or module.endswith("audit.record"):
                continue
            for code in _values(call.args[1], module, _enclosing(call, parents)):
                found.setdefault(code, f"{module}:{call.lineno}")
    return found


def test_audit_actions_are_read_from_every_way_the_code_names_them():
    codes = recorded_actions()
    assert {"ballot.cast", "ballot.change"} <= set(codes)  # the ballot's constants, one of two
    assert {"account.logout", "account.enable", "account.disable", "account.password_reset"} <= set(codes)
    assert {"unit.registration_approved", "unit.registration_declined"} <= set(codes)  # f-strings
    assert {"seat.create", "seat.rename", "seat.reissue"} <= set(codes)  # a helper's parameter
    assert len(codes) >= 55


def test_every_recorded_audit_action_has_a_label():
    missing = {code: where for code, where in recorded_actions().items() if code not in AUDIT_ACTIONS}
    assert missing == {}, "add the action's words to AUDIT_ACTIONS in evalflow/office/labels.py"


def test_every_audit_label_names_an_action_the_code_records():
    assert sorted(set(AUDIT_ACTIONS) - set(recorded_actions())) == []


# --- names of code in the docs ---------------------------------------------------------------------

EXT = r"(?:py|md|html|js|css|toml|txt|json|sh|conf|ini|cfg|yml|yaml|po|pot|mo|ttf|otf|csv|xlsx|docx|pdf|zip)"
ROOTS = r"(?:evalflow|tests|bench|templates|docs|migrations|deploy)"
PATH = re.compile(
    r"(?<![\w./:<>{}-])((?:[\w-]+/)+[\w.-]+\."
    + EXT
    + r"|"
    + ROOTS
    + r"/(?:[\w-]+/)*)(?![\w/])(?:::([\w.]+))?"
)
NAMED_AFTER_FILE = re.compile(r"`([\w/]+\.py)`\s*(?:\(|,)\s*`(\w+)`")
TEST_NAME = re.compile(r"`(test_\w+)`")
SLASHED = re.compile(r"`((?:\w+/)+\w+)\.([A-Za-z_]\w*)(?:\(\S*\))?`")  # `web/notices.refuse_writes`
PACKAGES = r"(?:evalflow|shared|intake|training|briefing|tally|notice|office|demo|assessment)"
DOTTED = re.compile(r"(?<![\w./-])(" + PACKAGES + r"(?:\.[A-Za-z_]\w*)+)")
TICKED = re.compile(r"`([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)(?:\(\S*\))?`")
DATA_FILE = re.compile(r"\.(?:pdf|csv|xlsx|json|log|xml|html|md|txt|docx|zip|sqlite3|writelock|py|js|conf)$")
MADE_AT_RUN_TIME = ("bench/out/", "instance/")  # written by a benchmark run / by the deployer


def _file(path: str) -> Path | None:
    for base in (ROOT, PACKAGE, ROOT / "templates"):
        if (base / path).exists():
            return base / path
    return None


def _defines(tree: ast.Module, dotted: str) -> bool:
    """Whether *tree* defines ``name`` or ``Class.attribute`` (imports count: a module re-exports)."""
    scope: list[ast.stmt] = tree.body
    for part in dotted.split("."):
        found = [n for n in scope if part in _names_of(n)]
        if not found:
            return False
        scope = getattr(found[0], "body", [])
    return True


def _names_of(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    if isinstance(node, ast.Import | ast.ImportFrom):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    if isinstance(node, ast.Assign):
        return {n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return {node.target.id}
    return set()


def _python(dotted: str) -> bool:
    """Whether *dotted* is code: ``evalflow.…`` or a module of that first name (``ballots.…``,
    ``shared.…``), then a module, or a name its longest module defines (for a package, any of its
    modules: ``audit.appending``)."""
    trees = _trees()
    parts = dotted.split(".")
    starts = [parts] if parts[0] == "evalflow" else [["evalflow", *parts]]
    starts += [m.split(".") + parts[1:] for m in trees if m.endswith("." + parts[0])]
    for full in starts:
        cut = max((n for n in range(1, len(full) + 1) if ".".join(full[:n]) in trees), default=0)
        module, rest = ".".join(full[:cut]), ".".join(full[cut:])
        inside = [m for m in trees if m == module or m.startswith(module + ".")]
        if cut and (not rest or any(_defines(trees[m], rest) for m in inside)):
            return True
    return False


@cache
def _columns() -> set[str]:
    for module in _trees():
        if module.endswith(".models"):
            importlib.import_module(module)
    return {f"{t.name}.{c.name}" for t in db.metadata.tables.values() for c in t.columns}


@cache
def _tests() -> set[str]:
    """The names of the test functions."""
    return {
        n.name
        for path in (ROOT / "tests").rglob("test_*.py")
        for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")
    }


@cache
def _literals() -> set[str]:
    """Strings the code spells (a logger's name is one)."""
    return {
        n.value
        for tree in _trees().values()
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def _dotted_problem(name: str) -> str | None:
    if name in AUDIT_ACTIONS or name in recorded_actions() or name in _columns() or name in _literals():
        return None
    if name.endswith(".py"):
        stem = name.rsplit("/", 1)[-1]
        homes = [ROOT / d for d in ("evalflow", "tests", "bench", "migrations", "deploy")]
        return None if (ROOT / stem).exists() or any(any(h.rglob(stem)) for h in homes) else "no such file"
    if DATA_FILE.search(name):
        return None  # a file a feature writes or reads (tally.pdf, manifest.json)
    head = name.split(".")[0]
    ours = head == "evalflow" or any(m.endswith("." + head) for m in _trees())
    return "not in the code" if ours and not _python(name) else None


def _problems(doc: Path) -> Iterator[str]:
    for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), start=1):
        where = f"{doc.relative_to(ROOT)}:{number}"
        for match in PATH.finditer(line):
            path, name = match.group(1), match.group(2)
            found = _file(path)
            if found is None and not path.startswith(MADE_AT_RUN_TIME):
                yield f"{where}: {path}: no such file"
            elif found is not None and name and not _defines(ast.parse(found.read_text()), name):
                yield f"{where}: {path}::{name}: not defined there"
        for path, name in [(f"{m}.py", n) for m, n in SLASHED.findall(line) if not DATA_FILE.search("." + n)]:
            found = _file(path)
            if found is None or not _defines(ast.parse(found.read_text()), name):
                yield f"{where}: {path[:-3]}.{name}: not in the code"
        for path, name in NAMED_AFTER_FILE.findall(line):
            found = _file(path)
            if found is not None and not _defines(ast.parse(found.read_text()), name):
                yield f"{where}: {path} ({name}): not defined there"
        for name in TEST_NAME.findall(line):
            if name not in _tests():
                yield f"{where}: {name}: no such test"
        for name in {*DOTTED.findall(line), *TICKED.findall(line)}:
            if (problem := _dotted_problem(name)) is not None:
                yield f"{where}: {name}: {problem}"


@pytest.mark.parametrize("doc", DOCS, ids=[str(d.relative_to(ROOT)) for d in DOCS])
def test_every_name_of_code_in_the_docs_exists(doc):
    assert list(_problems(doc)) == []


def test_the_names_check_can_fail():
    assert _dotted_problem("evalflow.briefing.ballots.cast_ballot") is None
    assert _dotted_problem("shared.campaigns.transitions.advance_phase") is None
    assert _dotted_problem("database.register_request_commit") is None
    assert _dotted_problem("seat.token_hash") is None  # a column
    assert _dotted_problem("evalflow.briefing.ballots.no_such_thing") == "not in the code"
    assert _dotted_problem("shared.no_such_module") == "not in the code"
    assert _dotted_problem("ballots.cast_vote") == "not in the code"
    assert _dotted_problem("no_such_module.py") == "no such file"
    assert _file("briefing/api.py") is not None and _file("briefing/apis.py") is None
    assert "test_the_names_check_can_fail" in _tests() and "test_no_such_thing" not in _tests()
