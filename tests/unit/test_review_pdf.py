"""The 综合测评 PDFs with the longest names the domain allows (tests/pdf_samples.py): the 测评汇总表
(landscape) and a unit's 测评表 — no two glyphs overlap, nothing leaves the margins, every name is
shown in full (wrapped inside its column), and emoji show as something."""

from __future__ import annotations

import pytest
from reportlab.lib.units import mm

from evalflow.review.pdf import Document, render
from tests import pdf_samples as s

COMMENT = s.longest(500, "意见")


def summary() -> Document:
    rows = [[str(i + 1), s.unit_name(i), s.longest(20, "类别"), "5.50", "3.50", "10.00", "4.00", "0.00", "23.00",
             "是", "是"] for i in range(14)]  # fmt: skip
    return Document(
        title="测评汇总表", meta=[f"评选活动:{s.CAMPAIGN}", "计分公式:" + s.longest(300, "公式")],
        header=["名次", "申报单位", "类别", "材料审核", "实地考察", "集中汇报互评", "加分", "扣分", "总分", "测评完整", "达标"],
        rows=rows, widths=[1.2, 5, 2, 1.6, 1.6, 1.6, 1.4, 1.4, 1.6, 1.4, 1.2], numeric=frozenset(range(3, 9)),
        warning="测评数据与封存时不一致",
    )  # fmt: skip


def unit_sheet() -> Document:
    leaves = [
        [f"A{i}", s.longest(100, f"标准{i}"), "材料审核", "6", "5.50", s.longest(120, "计算")]
        for i in range(8)
    ]
    marks = [[f"A{i}", s.longest(60, f"评审{i}"), "2026-12-01 10:00", "5", "B", COMMENT] for i in range(8)]
    return Document(
        title="测评表", meta=[f"申报单位:{s.unit_name(1)}"], header=["编号", "测评标准", "方式", "分值", "得分", "计算"],
        rows=leaves, widths=[1.2, 4, 1.6, 1, 1.1, 5], numeric=frozenset({3, 4}),
        sections=[("评分表", ["编号", "评分人", "提交时间", "分数", "档次", "意见"], marks, [1.2, 2.5, 2.2, 1, 1, 6])],
    )  # fmt: skip


DOCS = {"summary": summary, "unit": unit_sheet}
NAMES = {
    "summary": lambda: [s.CAMPAIGN, *(s.unit_name(i) for i in range(14))],
    "unit": lambda: [s.unit_name(1), s.longest(100, "标准3"), s.longest(60, "评审2"), COMMENT],
}


@pytest.fixture(scope="module")
def pages() -> dict[str, list[s.Page]]:
    return {kind: s.facts(render(build()), footer=14 * mm) for kind, build in DOCS.items()}


@pytest.mark.parametrize("kind", sorted(DOCS))
def test_no_two_glyphs_overlap(pages, kind):
    assert len(pages[kind]) >= 2  # long enough to break pages
    for number, page in enumerate(pages[kind], start=1):
        assert s.overlapping(page)[:3] == [], f"{kind}, page {number}"


@pytest.mark.parametrize("kind", sorted(DOCS))
def test_everything_stays_inside_the_margins(pages, kind):
    left, top, right, bottom = 16 * mm, 16 * mm, 16 * mm, 7 * mm  # the page number sits at 10 mm
    for number, page in enumerate(pages[kind], start=1):
        off = [
            g
            for g in page.glyphs
            if g.x0 < left - s.TOLERANCE
            or g.top < top - s.TOLERANCE
            or g.x1 > page.width - right + s.TOLERANCE
            or g.bottom > page.height - bottom + s.TOLERANCE
        ]
        assert off[:3] == [], f"{kind}, page {number}"


@pytest.mark.parametrize("kind", sorted(DOCS))
def test_every_name_is_shown_in_full(pages, kind):
    text = s.all_text(pages[kind])
    assert [name for name in NAMES[kind]() if s.shown(name) not in text] == []


@pytest.mark.parametrize("kind", sorted(DOCS))
def test_no_blank_glyphs_and_readable_sizes(pages, kind):
    assert [g for page in pages[kind] for g in s.blank(page)] == []
    assert min(g.size for page in pages[kind] for g in page.glyphs) >= 5 - 0.01
