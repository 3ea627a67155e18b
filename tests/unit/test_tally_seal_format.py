"""The ballots export survives every character a name, a title or a grade label may hold: the verifier
splits the file only at its own record separator (LF), never where ``str.splitlines()`` would (U+2028,
U+2029, NEL, VT, FF, FS/GS/RS, a lone CR); a crafted file is answered with problems, never an
exception; the grouped digest equals the digest."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from evalflow.shared.campaigns.scale import DEFAULT_SCALE, Grade
from evalflow.tally.rules import TallyMethod, UnitInfo, compute, exact_text
from evalflow.tally.seal_rules import ExportHeader, SealedBallot, digest, export_csv, verify_export

# Every character str.splitlines() takes for a line end, and a few more a name may carry.
LINE_ENDS = ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\r", "\n", "\r\n"]
ODD = [*LINE_ENDS, "\x00", "\t", '"', ",", "#", "\ufeff"]


def export(names=("甲单位", "乙单位"), title="测试活动", category="社区", scale=DEFAULT_SCALE, sealed=True):
    labels = [g.label for g in scale]
    ballots = [
        SealedBallot(1, "Saaaaaaaaaa", labels[1], "paper", "cadre"),
        SealedBallot(1, "Sbbbbbbbbbb", labels[2], "online", "reporter"),
        SealedBallot(2, "Sbbbbbbbbbb", labels[0], "online", "reporter"),
    ]
    infos = [UnitInfo(1, names[0], category, 3), UnitInfo(2, names[1], "", 3)]
    counts: dict[int, dict[str, int]] = {}
    for b in ballots:
        counts.setdefault(b.unit_id, {}).setdefault(b.grade, 0)
        counts[b.unit_id][b.grade] += 1
    results = compute(scale, infos, counts, TallyMethod.TRIMMED_MEAN)
    header = ExportHeader(
        campaign_id=7,
        title=title,
        method=TallyMethod.TRIMMED_MEAN,
        scale=scale,
        digest=digest(ballots),
        sealed_at="2026-11-29T10:00:00+00:00" if sealed else "",
        units=tuple(infos),
        scores={r.unit_id: (exact_text(r.score), r.rank) for r in results},
    )
    return export_csv(header, ballots), digest(ballots)


def problems(text: str, sealed: str = "") -> list[str]:
    return [p.render() for p in verify_export(text, sealed).problems]


@pytest.mark.parametrize("ch", ODD, ids=[f"U+{ord(c[0]):04X}{'+LF' if len(c) > 1 else ''}" for c in ODD])
def test_verify_export_unit_name_with_odd_character_round_trips(ch):
    text, sealed = export(names=(f"甲{ch}单位", f"{ch}乙"), title=f"活动{ch}标题", category=f"社{ch}区")
    assert problems(text, sealed) == []
    assert [r.name for r in verify_export(text).results] == [f"{ch}乙", f"甲{ch}单位"]


@pytest.mark.parametrize("ch", ODD, ids=[f"U+{ord(c[0]):04X}{'+LF' if len(c) > 1 else ''}" for c in ODD])
def test_verify_export_grade_label_with_odd_character_round_trips(ch):
    scale = (Grade(f"好{ch}", DEFAULT_SCALE[0].points), *DEFAULT_SCALE[1:])
    text, sealed = export(scale=scale)
    assert problems(text, sealed) == []


def test_verify_export_u2028_name_failed_with_splitlines():
    """The reproduction: a genuine export of a unit named with U+2028 used to fail verification."""
    text, sealed = export(names=("甲\u2028单位", "乙单位"))
    assert len(text.splitlines()) > len(text.split("\n")) - 1  # splitlines() would cut the # unit: line
    assert problems(text, sealed) == []


def test_verify_export_saved_with_crlf_line_ends_still_verifies():
    text, sealed = export(names=("甲\r单位", "乙\u2029单位"))
    assert problems(text.replace("\n", "\r\n"), sealed) == []


def test_verify_export_row_changed_after_a_multiline_label_is_named_by_its_line():
    scale = (Grade("好\n很好", DEFAULT_SCALE[0].points), *DEFAULT_SCALE[1:])
    text, _ = export(scale=scale)
    lines = text.split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith("1,Sbbbbbbbbbb,"))
    lines[index] = lines[index].replace("online", "paper")
    assert f"第 {index + 1} 行:内容与该行校验值不符,已被改动。" in problems("\n".join(lines))


def test_verify_export_sealed_file_names_the_seal_in_the_digest_problem():
    text, sealed = export()
    tampered = text.replace(f'# digest: "{sealed}"', f'# digest: "{"0" * 64}"')
    messages = problems(tampered)
    assert any(
        m.startswith(f"摘要不符:文件声明的封存摘要为 {'0' * 64}") and "封存后选票被改动" in m
        for m in messages
    )
    live, digest_live = export(sealed=False)
    messages = problems(live.replace(digest_live, "0" * 64))
    assert f"摘要不符:文件声明 {'0' * 64},重新计算为 {digest_live}。" in messages


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12), min_size=3, max_size=3
    )
)
@example(["甲\u2028单位", "乙\x85", "题\u2029"])
def test_property_any_names_and_title_round_trip(texts):
    name_a, name_b, title = texts
    text, sealed = export(names=(name_a, name_b), title=title, category=name_b)
    assert problems(text, sealed) == []


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_property_verify_export_never_raises_on_a_crafted_file(text):
    export_text, _ = export()
    for candidate in (text, export_text + text, export_text[: len(text)] + text):
        result = verify_export(candidate)
        assert isinstance(result.ok, bool)


@pytest.mark.parametrize(
    "meta",
    [
        '# unit: {"unit_id":1,"name":"x","expected":"many","score":null,"rank":1}',
        '# unit: {"unit_id":1,"name":"x","expected":[1],"score":null,"rank":1}',
        '# scale: [{"label":"好","points":"NaN"},{"label":"一般","points":"x"}]',
        '# scale: {"label":"好"}',
        "# ballots: [1]",
        '# method: ["trimmed_mean"]',
        "# unit: 3",
    ],
)
def test_verify_export_crafted_meta_line_is_a_problem_not_an_exception(meta):
    text, _ = export()
    lines = text.split("\n")
    lines.insert(1, meta)
    assert problems("\n".join(lines))


@given(
    st.lists(
        st.tuples(
            st.integers(1, 30),
            st.text("0123456789abcdef", min_size=10, max_size=10).map(lambda s: "S" + s),
            st.sampled_from(["好", "较好", "一般", "e\u0301", "\u00e9", "a,b"]),
            st.sampled_from(["online", "paper"]),
        ),
        unique_by=lambda b: (b[0], b[1]),
        max_size=60,
    )
)
def test_property_digest_of_groups_equals_the_digest(rows):
    groups: dict[tuple[int, str, str], list[str]] = {}
    for unit, seat, grade, source in rows:
        groups.setdefault((unit, grade, source), []).append(seat)
    from evalflow.tally.seal_check_rules import digest_of_groups  # new with the seal check

    found, count = digest_of_groups((u, g, s, seats) for (u, g, s), seats in groups.items())
    assert (found, count) == (digest([SealedBallot(*row) for row in rows]), len(rows))
    if not rows:
        assert found == hashlib.sha256(b"").hexdigest()
