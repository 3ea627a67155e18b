"""The sealed ballot set: canonical form, digest, export and verification of a (tampered) export."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from evalflow.shared.campaigns.scale import DEFAULT_SCALE
from evalflow.tally.rules import TallyMethod, UnitInfo, compute, exact_text
from evalflow.tally.seal_rules import (
    ExportHeader,
    SealedBallot,
    canonical_line,
    digest,
    digest_of,
    export_csv,
    pseudonym,
    verify_export,
)

BALLOTS = [
    SealedBallot(2, "Sbbbbbbbbbb", "好", "online", "reporter"),
    SealedBallot(1, "Saaaaaaaaaa", "较好", "paper", "cadre"),
    SealedBallot(1, "Sbbbbbbbbbb", "一般", "online", "reporter"),
]


def test_digest_is_sha256_of_sorted_tab_separated_lines():
    text = "1\tSaaaaaaaaaa\t较好\tpaper\n1\tSbbbbbbbbbb\t一般\tonline\n2\tSbbbbbbbbbb\t好\tonline\n"
    assert digest(BALLOTS) == hashlib.sha256(text.encode()).hexdigest()
    assert digest([]) == hashlib.sha256(b"").hexdigest()
    assert canonical_line(BALLOTS[0]) == "2\tSbbbbbbbbbb\t好\tonline\n"


def test_digest_ignores_role_and_sorts_unit_ids_as_numbers():
    a = [SealedBallot(10, "S1", "好", "online"), SealedBallot(9, "S1", "好", "online")]
    assert digest(a) == hashlib.sha256("9\tS1\t好\tonline\n10\tS1\t好\tonline\n".encode()).hexdigest()


def test_pseudonym_is_stable_and_hides_the_seat_id():
    p = pseudonym("salt", 17)
    assert p == pseudonym("salt", 17) != pseudonym("other", 17)
    assert len(p) == 11 and p.startswith("S") and "17" not in p[1:3]


@given(st.permutations(BALLOTS))
def test_property_digest_invariant_under_permutation(ballots):
    assert digest(ballots) == digest(BALLOTS)


def _export(ballots=BALLOTS, tamper_digest: str | None = None) -> str:
    infos = [UnitInfo(1, "甲单位", "社区", 3), UnitInfo(2, "乙单位", "", 3)]
    counts: dict[int, dict[str, int]] = {}
    for b in ballots:
        counts.setdefault(b.unit_id, {}).setdefault(b.grade, 0)
        counts[b.unit_id][b.grade] += 1
    results = compute(DEFAULT_SCALE, infos, counts, TallyMethod.TRIMMED_MEAN)
    header = ExportHeader(
        campaign_id=7,
        title="测试活动",
        method=TallyMethod.TRIMMED_MEAN,
        scale=DEFAULT_SCALE,
        digest=tamper_digest or digest(ballots),
        sealed_at="2026-11-29T10:00:00+00:00",
        units=tuple(infos),
        scores={r.unit_id: (exact_text(r.score), r.rank) for r in results},
    )
    return export_csv(header, ballots)


def test_verify_export_untouched_is_ok_and_recomputes_the_tally():
    result = verify_export(_export(), expected_digest=digest(BALLOTS))
    assert result.ok, [p.render() for p in result.problems]
    assert result.ballots == 3
    assert [(r.unit_id, exact_text(r.score), r.rank) for r in result.results] == [(2, "100", 1), (1, "70", 2)]


def test_verify_export_changed_grade_names_the_row():
    text = _export()
    lines = text.splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith("1,Saaaaaaaaaa,较好"))
    lines[index] = lines[index].replace("较好", "好", 1)
    result = verify_export("".join(lines))
    messages = [p.render() for p in result.problems]
    assert f"第 {index + 1} 行:内容与该行校验值不符,已被改动。" in messages
    assert any(m.startswith("摘要不符") for m in messages)
    assert any(m.startswith("单位 1(甲单位)") for m in messages)


def test_verify_export_rehashed_row_still_fails_on_the_digest_and_the_tally():
    tampered = [SealedBallot(1, "Saaaaaaaaaa", "好", "paper", "cadre"), *BALLOTS[::2]]
    text = _export(tampered, tamper_digest=digest(BALLOTS))
    result = verify_export(text, expected_digest=digest(BALLOTS))
    messages = [p.render() for p in result.problems]
    assert any(m.startswith("摘要不符") for m in messages)
    assert not result.ok


def test_verify_export_removed_row_fails_on_count_and_against_the_sealed_digest():
    text = _export()
    lines = [line for line in text.splitlines(keepends=True) if not line.startswith("2,")]
    result = verify_export("".join(lines), expected_digest=digest(BALLOTS))
    messages = [p.render() for p in result.problems]
    assert "选票张数不符:文件声明 3 张,实有 2 张。" in messages
    assert f"摘要与封存摘要 {digest(BALLOTS)} 不符。" in messages


def test_verify_export_duplicate_and_disorder_named_by_row():
    text = _export()
    lines = text.splitlines(keepends=True)
    lines.append(lines[-3])  # a copy of the first ballot row, at the end
    result = verify_export("".join(lines))
    messages = [p.render() for p in result.problems]
    assert f"第 {len(lines)} 行:同一席位对同一单位的第二张选票。" in messages


def test_verify_export_not_an_export_fails():
    result = verify_export("a,b,c\n1,2,3\n")
    assert not result.ok
    assert result.problems[0].render().startswith("缺少表头行")


@given(st.permutations(BALLOTS))
def test_property_digest_of_tuples_equals_digest_of_ballots(ballots):
    assert digest_of((b.unit_id, b.seat, b.grade, b.source) for b in ballots) == digest(BALLOTS)
