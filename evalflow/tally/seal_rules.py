"""The sealed ballot set: pseudonyms, the canonical form, its SHA-256 digest, the CSV export and its
verification. Plain Python; the rules are written out in docs/tally.md so anyone can redo them by hand.

Canonical form (version 1) of a ballot set:

- one line per ballot: ``unit_id TAB seat TAB grade TAB source LF`` — ``unit_id`` in decimal digits,
  ``seat`` the seat's pseudonym (``S`` + 10 lowercase hex digits), ``grade`` the label exactly as on
  the scale (Unicode NFC), ``source`` ``online`` or ``paper``;
- lines sorted by ``unit_id`` (as a number), then by ``seat`` (as ASCII text);
- the digest is the lowercase hex SHA-256 of the UTF-8 bytes of all lines concatenated (an empty
  ballot set hashes the empty string).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from evalflow.shared.campaigns.scale import MAX_POINTS, Grade
from evalflow.shared.files import csvfile
from evalflow.shared.messages import N_, Message, msg
from evalflow.tally.rules import TallyMethod, UnitInfo, compute, exact_text, unit_counts

FORMAT_VERSION = "1"
SOURCES = ("online", "paper")
COLUMNS = ("unit_id", "seat", "grade", "source", "role", "line_sha256")


@dataclass(frozen=True, order=True)
class SealedBallot:
    unit_id: int
    seat: str
    grade: str
    source: str
    role: str = field(default="", compare=False)


def pseudonym(salt: str, seat_id: int) -> str:
    """A seat's stable pseudonym: ``S`` + the first 10 hex digits of HMAC-SHA256(salt, seat id)."""
    mac = hmac.new(salt.encode(), str(seat_id).encode(), hashlib.sha256).hexdigest()
    return "S" + mac[:10]


def canonical_line(ballot: SealedBallot) -> str:
    grade = unicodedata.normalize("NFC", ballot.grade)
    return f"{ballot.unit_id}\t{ballot.seat}\t{grade}\t{ballot.source}\n"


def line_hash(ballot: SealedBallot) -> str:
    """The first 16 hex digits of the SHA-256 of one canonical line (locates a tampered row)."""
    return hashlib.sha256(canonical_line(ballot).encode()).hexdigest()[:16]


def canonical_order(ballots: Iterable[SealedBallot]) -> list[SealedBallot]:
    return sorted(ballots, key=lambda b: (b.unit_id, b.seat))


def digest(ballots: Iterable[SealedBallot]) -> str:
    return digest_of((b.unit_id, b.seat, b.grade, b.source) for b in ballots)


def digest_of(rows: Iterable[tuple[int, str, str, str]]) -> str:
    """The digest of ``(unit_id, seat, grade, source)`` tuples in any order (the same as
    :func:`digest`, without building objects: one sort of tuples, one hash of the joined lines)."""
    nfc: dict[str, str] = {}
    ordered_rows = sorted(rows, key=lambda r: (r[0], r[1]))
    text = "".join(
        f"{unit}\t{seat}\t{nfc.get(grade) or nfc.setdefault(grade, unicodedata.normalize('NFC', grade))}\t{source}\n"
        for unit, seat, grade, source in ordered_rows
    )
    return hashlib.sha256(text.encode()).hexdigest()


# --- export ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportHeader:
    campaign_id: int
    title: str
    method: TallyMethod
    scale: tuple[Grade, ...]
    digest: str
    sealed_at: str  # ISO timestamp, or "" while the ballot set is still live
    units: tuple[UnitInfo, ...]
    scores: dict[int, tuple[str | None, int]]  # unit_id -> (exact score, rank)
    ballots: int | None = None  # the number stated; None: the rows'. Sealed: the sealed number


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _meta(key: str, value: object) -> str:
    """A ``# key: JSON`` line. A comma inside a JSON string is written ``\\u002c`` (the same value to
    any JSON reader), so that a spreadsheet splitting the line at commas never starts a cell with
    text of the campaign (a unit named ``x,=HYPERLINK(…)``): every cell starts with ``#``, ``"``,
    ``{`` or ``[``."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = _JSON_STRING.sub(lambda m: m.group(0).replace(",", "\\u002c"), text)
    return f"# {key}: {text}\n"


def export_csv(header: ExportHeader, ballots: Iterable[SealedBallot]) -> str:
    """The ballots as CSV in canonical order, preceded by ``# key: JSON`` lines (scale, method,
    digest, every unit with its expected count, exact score and rank)."""
    rows = canonical_order(ballots)
    out = io.StringIO()
    out.write(_meta("evalflow-ballots", FORMAT_VERSION))
    out.write(_meta("campaign", {"id": header.campaign_id, "title": header.title}))
    out.write(_meta("method", header.method.value))
    out.write(_meta("scale", [{"label": g.label, "points": str(g.points)} for g in header.scale]))
    out.write(_meta("ballots", len(rows) if header.ballots is None else header.ballots))
    out.write(_meta("digest", header.digest))
    out.write(_meta("sealed_at", header.sealed_at))
    for unit in header.units:
        score, rank = header.scores.get(unit.unit_id, (None, 0))
        out.write(
            _meta(
                "unit",
                {
                    "unit_id": unit.unit_id,
                    "name": unit.name,
                    "category": unit.category,
                    "expected": unit.expected,
                    "score": score,
                    "rank": rank,
                },
            )  # fmt: skip
        )
    table = [COLUMNS, *((b.unit_id, b.seat, b.grade, b.source, b.role, line_hash(b)) for b in rows)]
    out.write(csvfile.text(table, bom=False, newline="\n"))  # cells neutralised; read back with restore
    return out.getvalue()


# --- verification ----------------------------------------------------------------------------


@dataclass
class Verification:
    problems: list[Message] = field(default_factory=list)
    digest: str = ""
    stated_digest: str = ""
    ballots: int = 0
    results: list = field(default_factory=list)  # list[UnitResult], recomputed

    @property
    def ok(self) -> bool:
        return not self.problems


def _parse_meta(line: str, meta: dict[str, list[object]], number: int, problems: list[Message]) -> None:
    key, sep, raw = line[1:].strip().partition(":")
    if not sep:
        return
    try:
        meta.setdefault(key.strip(), []).append(json.loads(raw))
    except (ValueError, RecursionError):
        problems.append(msg(N_("第 %(row)d 行:说明行格式不正确。"), row=number))


def _scale(raw: object) -> tuple[Grade, ...]:
    grades = []
    for item in raw if isinstance(raw, list) else []:
        try:
            label, points = str(item["label"]), Decimal(str(item["points"]))
        except (KeyError, TypeError, InvalidOperation):
            continue
        if points.is_finite() and 0 <= points <= MAX_POINTS:  # a scale the application accepts
            grades.append(Grade(label, points))
    return tuple(grades)


def _first(meta: dict[str, list[object]], key: str, default: object = None) -> object:
    values = meta.get(key) or [default]
    return values[0]


def _row_ballot(
    number: int, row: list[str], labels: set[str], problems: list[Message]
) -> SealedBallot | None:
    if len(row) != len(COLUMNS):
        problems.append(msg(N_("第 %(row)d 行:应有 %(n)d 列。"), row=number, n=len(COLUMNS)))
        return None
    unit, seat, grade, source, role, stated = row
    if not (unit.isascii() and unit.isdigit()):
        problems.append(msg(N_("第 %(row)d 行:单位编号不正确。"), row=number))
        return None
    ballot = SealedBallot(int(unit), seat, grade, source, role)
    if grade not in labels:
        problems.append(msg(N_("第 %(row)d 行:档次“%(grade)s”不在评定表中。"), row=number, grade=grade))
    if source not in SOURCES:
        problems.append(msg(N_("第 %(row)d 行:来源“%(source)s”不正确。"), row=number, source=source))
    if stated != line_hash(ballot):
        problems.append(msg(N_("第 %(row)d 行:内容与该行校验值不符,已被改动。"), row=number))
    return ballot


def _records(text: str) -> Iterable[tuple[int, str]]:
    """``(line number, record)`` of an export. Records end only at LF, the format's own line end —
    never where ``str.splitlines()`` would also cut (U+2028, U+2029, NEL, VT, FF, FS/GS/RS, a lone
    CR), characters a name, a title or a grade label may hold. A ``#`` line is one record (JSON
    escapes its line ends); a CSV row goes on over the next lines while a quoted field is open. A CR
    before the LF that ends a record is dropped (a file saved with CRLF line ends)."""
    pending: list[str] = []
    start = quotes = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if not pending and line.startswith("#"):
            yield number, line.removesuffix("\r")
            continue
        if not pending:
            start = number
        pending.append(line)
        quotes += line.count('"')
        if quotes % 2 == 0:
            yield start, "\n".join(pending).removesuffix("\r")
            pending, quotes = [], 0
    if pending:
        yield start, "\n".join(pending)  # a quote never closed: the row check reports it


def _fields(record: str) -> list[str]:
    """One CSV record's fields, each as it was before the CSV writer neutralised it
    (:func:`evalflow.shared.files.csvfile.restore`). The csv module ends a record at an unquoted CR, which a
    writer with LF line ends leaves unquoted inside a field: CRs are hidden from it and put back."""
    mark = "\ue000"
    while mark in record:
        mark = chr(ord(mark) + 1)
    try:
        row = next(csv.reader([record.replace("\r", mark)]), [])
    except csv.Error:
        return []
    return [csvfile.restore(value.replace(mark, "\r")) for value in row]


def _read(text: str, result: Verification) -> tuple[dict[str, list[object]], list[tuple[int, SealedBallot]]]:
    meta: dict[str, list[object]] = {}
    data_lines: list[tuple[int, str]] = []
    for number, line in _records(text):
        if line.startswith("#"):
            _parse_meta(line, meta, number, result.problems)
        elif line.strip():
            data_lines.append((number, line))
    if not data_lines or _fields(data_lines[0][1]) != list(COLUMNS):
        result.problems.append(msg(N_("缺少表头行:%(columns)s。"), columns=",".join(COLUMNS)))
        return meta, []
    labels = {g.label for g in _scale(_first(meta, "scale"))}
    ballots: list[tuple[int, SealedBallot]] = []
    for number, line in data_lines[1:]:
        row = _fields(line)
        ballot = _row_ballot(number, row, labels, result.problems)
        if ballot is not None:
            ballots.append((number, ballot))
    return meta, ballots


def _check_order(ballots: Sequence[tuple[int, SealedBallot]], problems: list[Message]) -> None:
    seen: set[tuple[int, str]] = set()
    previous: tuple[int, str] | None = None
    for number, b in ballots:
        key = (b.unit_id, b.seat)
        if key in seen:
            problems.append(msg(N_("第 %(row)d 行:同一席位对同一单位的第二张选票。"), row=number))
        elif previous is not None and key < previous:
            problems.append(msg(N_("第 %(row)d 行:未按规范顺序排列(单位编号、席位)。"), row=number))
        seen.add(key)
        previous = key


def _units(
    meta: dict[str, list[object]], problems: list[Message]
) -> tuple[list[UnitInfo], dict[int, tuple[object, object]]]:
    units, stated = [], {}
    for raw in meta.get("unit", []):
        item: dict = raw if isinstance(raw, dict) else {}
        unit_id, expected = item.get("unit_id"), item.get("expected") or 0
        if type(unit_id) is not int or type(expected) is not int or unit_id in stated:
            text = json.dumps(raw, ensure_ascii=False)
            problems.append(msg(N_("单位说明行格式不正确:%(line)s。"), line=text[:200]))
            continue
        units.append(UnitInfo(unit_id, str(item.get("name", "")), str(item.get("category", "")), expected))
        stated[unit_id] = (item.get("score"), item.get("rank"))
    return units, stated


def verify_export(text: str, expected_digest: str = "") -> Verification:
    """Recompute the digest and the tally from an exported CSV; list every discrepancy, by row."""
    result = Verification()
    meta, rows = _read(text.removeprefix("\ufeff"), result)
    if str(_first(meta, "evalflow-ballots", "")) != FORMAT_VERSION:
        result.problems.append(msg(N_("不是 evalflow 选票导出文件(版本 %(v)s)。"), v=FORMAT_VERSION))
    _check_order(rows, result.problems)
    ballots = [b for _, b in rows]
    result.ballots = len(ballots)
    result.digest = digest(ballots)
    result.stated_digest = str(_first(meta, "digest", ""))
    if _first(meta, "ballots") != len(ballots):
        result.problems.append(
            msg(
                N_("选票张数不符:文件声明 %(stated)s 张,实有 %(n)d 张。"),
                stated=_first(meta, "ballots"),
                n=len(ballots),
            )
        )
    if result.digest != result.stated_digest:
        result.problems.append(_digest_problem(result, sealed=bool(_first(meta, "sealed_at", ""))))
    if expected_digest and result.digest != expected_digest.strip().lower():
        result.problems.append(msg(N_("摘要与封存摘要 %(sealed)s 不符。"), sealed=expected_digest.strip()))
    _check_tally(meta, ballots, result)
    return result


def _digest_problem(result: Verification, *, sealed: bool) -> Message:
    """The file's digest line against the digest of its rows. A sealed ballot set's export states
    the digest taken at the seal, so a ballot changed since (in the database or in the file) shows here."""
    if sealed:
        return msg(
            N_("摘要不符:文件声明的封存摘要为 %(stated)s,按文件中的选票重新计算为 %(digest)s:封存后选票被改动过,或文件被改动。"),
            stated=result.stated_digest, digest=result.digest,
        )  # fmt: skip
    return msg(
        N_("摘要不符:文件声明 %(stated)s,重新计算为 %(digest)s。"),
        stated=result.stated_digest,
        digest=result.digest,
    )


def _check_tally(meta: dict[str, list[object]], ballots: list[SealedBallot], result: Verification) -> None:
    scale = _scale(_first(meta, "scale"))
    try:
        method = TallyMethod(str(_first(meta, "method", "")))
    except ValueError:
        result.problems.append(msg(N_("计分方法无法识别。")))
        return
    if len(scale) < 2:
        result.problems.append(msg(N_("评定表缺失或不完整。")))
        return
    units, stated = _units(meta, result.problems)
    known = {u.unit_id for u in units}
    for b in ballots:
        if b.unit_id not in known:
            result.problems.append(msg(N_("单位编号 %(unit)d 不在单位列表中。"), unit=b.unit_id))
            known.add(b.unit_id)
    rows = [(b.unit_id, b.source, b.grade, 1) for b in ballots]
    result.results = compute(scale, units, unit_counts(rows), method)
    for r in result.results:
        score, rank = stated.get(r.unit_id, (None, None))
        if score != exact_text(r.score) or rank != r.rank:
            result.problems.append(
                msg(N_("单位 %(unit)d(%(name)s):文件声明得分 %(stated)s、名次 %(srank)s,重新计算为 %(score)s、第 %(rank)d 名。"),
                    unit=r.unit_id, name=r.name, stated=score, srank=rank, score=exact_text(r.score), rank=r.rank)
            )  # fmt: skip
