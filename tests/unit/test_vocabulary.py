"""One vocabulary (issue 19), read from the source with ``ast``: one enum per state (no two enums with
the same values, no enum name twice), schemas that use the enums instead of re-typing them as
``Literal``\\ s, limits that come from the rules' constants, and "card" meaning the seat's credential
card only."""

from __future__ import annotations

import ast
import functools
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "evalflow"
TEMPLATES = ROOT / "templates"

# Keywords that bound a value or a length from above: never a bare number in a schema or a form.
UPPER = frozenset({"max_length", "le", "lt", "max"})
# Lower bounds: 0 (not negative) and 1 (not empty, a count from one) say no limit of the process.
LOWER = frozenset({"min_length", "ge", "gt", "min"})
PLAIN_LOWER = frozenset({0, 1})
# The text helpers of shared/api/schemas.py and WTForms' Length take the limit first.
LIMIT_CALLS = frozenset({"text", "line", "Length"})


@functools.cache
def _modules() -> tuple[tuple[Path, ast.Module], ...]:
    return tuple(
        (path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        for path in sorted(PACKAGE.rglob("*.py"))
    )


def _name(node: ast.expr) -> str:
    return ast.unparse(node)


def _enums() -> list[tuple[str, str, frozenset[object]]]:
    """(where, class name, its values) for every enum class defined in evalflow."""
    found = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any("Enum" in _name(b) for b in node.bases):
                values = frozenset(
                    stmt.value.value
                    for stmt in node.body
                    if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Constant)
                )
                found.append((str(path.relative_to(ROOT)), node.name, values))
    return found


def _schema_modules() -> Iterator[tuple[Path, ast.Module]]:
    for path, tree in _modules():
        if path.name.endswith(("schemas.py", "forms.py", "_form.py")):
            yield path, tree


def test_the_enums_are_found() -> None:
    names = {name for _, name, _ in _enums()}
    assert {"PresentationState", "ObjectionState", "RegistrationState", "Permission"} <= names


def test_no_two_enums_have_the_same_values() -> None:
    by_values: dict[frozenset[object], list[str]] = defaultdict(list)
    for where, name, values in _enums():
        assert values, f"{where}:{name} has no literal values (the test reads them)"
        by_values[values].append(f"{where}:{name}")
    twins = {tuple(sorted(map(str, v))): w for v, w in by_values.items() if len(w) > 1}
    assert twins == {}, "one enum per state: keep one of each pair"


def test_no_enum_name_is_defined_twice() -> None:
    by_name: dict[str, list[str]] = defaultdict(list)
    for where, name, _ in _enums():
        by_name[name].append(where)
    assert {n: w for n, w in by_name.items() if len(w) > 1} == {}


def test_retired_names_are_gone() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py"))
    for retired in ("PresentationStatus", "ObjectionStatus", "objection_state(", "class Decision("):
        assert retired not in text


def _literal_strings(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _name(node.value) in {"Literal", "typing.Literal"}:
            items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            for item in items:
                if isinstance(item, ast.Constant) and isinstance(item.value, str) and item.value:
                    yield node.lineno, item.value


def test_schemas_use_the_enums_not_literal_strings() -> None:
    """``Literal["open", …]`` re-types an enum; write the enum (or ``Literal[State.OPEN]``)."""
    found = [
        f"{path.relative_to(ROOT)}:{line}: {value!r}"
        for path, tree in _schema_modules()
        for line, value in _literal_strings(tree)
    ]
    assert found == []


def _is_number(node: ast.expr) -> bool:
    """A number written out: ``400``, ``-1``, ``2**31 - 1`` (no name of a rule in it)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, int | float) and not isinstance(node.value, bool)
    if isinstance(node, ast.UnaryOp):
        return _is_number(node.operand)
    if isinstance(node, ast.BinOp):
        return _is_number(node.left) and _is_number(node.right)
    return False


def _number_limits(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            value = keyword.value
            if keyword.arg in UPPER and _is_number(value):
                yield node.lineno, f"{keyword.arg}={_name(value)}"
            if keyword.arg in LOWER and _is_number(value):
                plain = isinstance(value, ast.Constant) and value.value in PLAIN_LOWER
                if not plain:
                    yield node.lineno, f"{keyword.arg}={_name(value)}"
        if _name(node.func).split(".")[-1] in LIMIT_CALLS and node.args and _is_number(node.args[0]):
            yield node.lineno, f"{_name(node.func)}({_name(node.args[0])})"


def test_limits_in_schemas_and_forms_come_from_the_rules() -> None:
    """A limit is a rule of the process: name it in the feature's rules and use the name."""
    found = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path, tree in _schema_modules()
        for line, what in _number_limits(tree)
    ]
    assert found == []


def test_the_number_reader_tells_numbers_from_names() -> None:
    def read(source: str) -> list[str]:
        return [what for _, what in _number_limits(ast.parse(source))]

    assert read("Field(max_length=400, ge=0, le=2**31 - 1)") == ["max_length=400", "le=2 ** 31 - 1"]
    assert read("Field(max_length=rules.MAX, ge=1, gt=-1, min_length=2)") == ["gt=-1", "min_length=2"]
    assert read("text(6); line(MAX_NAME); Length(max=80)") == ["text(6)", "max=80"]


# --- "card" is the seat's credential card -------------------------------------------------------

# The seat's own pages: the page its card's QR code opens wears the card's class.
SEAT_CARD_TEMPLATES = frozenset({"seat/landing.html"})
CLASS_ATTRIBUTE = re.compile(r"""\bclass\s*=\s*(["'])(.*?)\1""", re.S)
CARD_WORD = re.compile(r"(?<![\w-])([\w-]*card[\w-]*)")


def _card_classes(text: str) -> set[str]:
    return {m for attr in CLASS_ATTRIBUTE.finditer(text) for m in CARD_WORD.findall(attr.group(2))}


def test_no_template_uses_card_for_a_panel() -> None:
    found = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = str(path.relative_to(TEMPLATES))
        classes = _card_classes(path.read_text(encoding="utf-8"))
        if name in SEAT_CARD_TEMPLATES:
            classes -= {"seat-card"}
        if classes:
            found[name] = sorted(classes)
    assert found == {}, 'a generic box is a "panel"; "card" is the seat\'s credential card'


def test_no_stylesheet_styles_a_card_panel() -> None:
    for path in sorted((PACKAGE / "static").glob("*.css")):
        selectors = set(re.findall(r"\.([\w-]*card[\w-]*)", path.read_text(encoding="utf-8")))
        assert selectors <= {"seat-card"}, path.name
        assert "--card" not in path.read_text(encoding="utf-8"), path.name


def test_the_card_reader_finds_classes() -> None:
    assert _card_classes('<div class="card narrow"><p class="x seat-card">') == {"card", "seat-card"}
    assert _card_classes("<section class='panel'>cards</section>") == set()


# --- no dead shapes or helpers ------------------------------------------------------------------


def test_every_schema_class_is_used() -> None:
    """A schema no route, page or other schema names is an orphan (it would still show in docs/api.md
    if a route named it by mistake, or mislead a reader if none does)."""
    words = Counter(
        w for p in PACKAGE.rglob("*.py") for w in re.findall(r"\w+", p.read_text(encoding="utf-8"))
    )
    orphans = [
        f"{path.relative_to(ROOT)}:{node.name}"
        for path, tree in _schema_modules()
        if path.name.endswith("schemas.py")
        for node in tree.body
        if isinstance(node, ast.ClassDef) and words[node.name] < 2  # the definition itself
    ]
    assert orphans == []


def test_retired_helpers_stay_gone() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py"))
    for retired in ("def json_body(", "def body(", "class IssuedSeat(Output", "class Seat(Output"):
        assert retired not in text
    guide = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert "### Seat\n" not in guide and "### IssuedSeat\n" not in guide
