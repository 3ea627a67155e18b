"""The tally report PDF: A4, CJK text extractable, chart and table on as many pages as the units need."""

from __future__ import annotations

import io

from pypdf import PdfReader
from reportlab.lib.pagesizes import A4

from evalflow.shared.campaigns.scale import DEFAULT_SCALE
from evalflow.tally.chart import bars, ticks
from evalflow.tally.pdf import Row, TallyDocument, render
from evalflow.tally.rules import UnitInfo, compute, display


def document(n: int) -> TallyDocument:
    infos = [UnitInfo(i, f"第{i}社区", expected=30) for i in range(1, n + 1)]
    counts = {i: {"好": i % 7, "较好": 10, "一般": 3} for i in range(1, n + 1)}
    results = compute(DEFAULT_SCALE, infos, counts)
    return TallyDocument(
        campaign="2026年度文明单位评选",
        method="去掉一个最高分和一个最低分后的平均分",
        ballots=sum(r.ballots for r in results),
        date="2026-11-29",
        digest="ab" * 32,
        sealed="封存于 2026-11-29 10:00,共 1900 张选票",
        labels=[g.label for g in DEFAULT_SCALE],
        bars=bars(results, DEFAULT_SCALE),
        ticks=ticks(DEFAULT_SCALE),
        rows=[Row(r.rank, r.name, list(r.counts.values()), f"{r.ballots}/30", str(display(r.figures.mean)),
                  str(display(r.figures.trimmed_mean)), str(display(r.score))) for r in results],
    )  # fmt: skip


def text_of(pdf: bytes) -> tuple[int, str, tuple[float, float]]:
    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    return (
        len(reader.pages),
        "\n".join(p.extract_text() for p in reader.pages),
        (float(box.width), float(box.height)),
    )


def test_tally_pdf_has_heading_method_digest_and_every_unit():
    pages, text, size = text_of(render(document(8)))
    assert pages == 1
    assert (round(size[0]), round(size[1])) == (round(A4[0]), round(A4[1]))
    for words in (
        "综合评定结果",
        "2026年度文明单位评选",
        "去掉一个最高分和一个最低分后的平均分",
        "ab" * 32,
        "生成日期",
    ):
        assert words in text
    assert text.count("第8社区") == 2  # once in the chart, once in the table


def test_tally_pdf_hundred_units_break_pages():
    pages, text, _ = text_of(render(document(100)))
    assert pages >= 4
    assert text.count("第100社区") == 2
    assert "第 4 页" in text
