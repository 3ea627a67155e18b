"""The tally report (综合评定结果) PDF: A4, CJK font embedded, the bar chart, the table, the method,
the digest of the sealed ballot set and the date. Pages break as often as the units need."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from ..domain.tally_chart import Bar, Tick
from .cards import wrap
from .fonts import cjk_font

PAGE_W, PAGE_H = A4
MARGIN = 16 * mm
INK, MUTED, LINE, RED = HexColor("#1f2329"), HexColor("#6b7280"), HexColor("#d1d5db"), HexColor("#b8202b")
GRADE_COLORS = [
    HexColor("#b8202b"),
    HexColor("#e8924a"),
    HexColor("#9ca3af"),
    HexColor("#60a5fa"),
    HexColor("#a78bfa"),
]


@dataclass(frozen=True)
class ReportText:
    """Fixed words, passed in translated by the caller (Chinese by default)."""

    heading: str = "综合评定结果"
    method: str = "计分方法"
    ballots: str = "有效选票"
    date: str = "生成日期"
    digest: str = "选票封存摘要(SHA-256)"
    live: str = "尚未封存(集中汇报互评进行中),以下为当前选票的摘要"
    chart: str = "各单位得分与评定档次分布(按名次排列)"
    table: str = "评定结果明细"
    columns: tuple[str, ...] = ("名次", "申报单位", "票数/应投", "平均分", "去高低平均", "得分")
    verify: str = "任何人可用导出的选票文件(CSV)按 docs/tally.md 的规则重新计算得分与摘要。"
    page: str = "第 %(n)d 页"


@dataclass(frozen=True)
class Row:
    rank: int
    name: str
    counts: Sequence[int]
    ballots: str
    mean: str
    trimmed: str
    score: str


@dataclass(frozen=True)
class TallyDocument:
    campaign: str
    method: str
    ballots: int
    date: str
    digest: str
    sealed: str  # sealed_at text, "" while live
    labels: Sequence[str]
    bars: Sequence[Bar]
    ticks: Sequence[Tick]
    rows: Sequence[Row]
    warning: str = ""  # the broken seal's warning, printed in red under the digest


class _Writer:
    def __init__(self, doc: TallyDocument, text: ReportText) -> None:
        self.buffer = io.BytesIO()
        self.c = Canvas(self.buffer, pagesize=A4)
        self.c.setTitle(f"{text.heading} · {doc.campaign}")
        self.font = cjk_font()
        self.doc, self.text = doc, text
        self.page = 1
        self.y = PAGE_H - MARGIN

    def write(self, words: str, size: float = 9, color=INK, indent: float = 0) -> None:
        for line in wrap(words, self.font, size, PAGE_W - 2 * MARGIN - indent):
            self.need(size * 1.5)
            self.c.setFont(self.font, size)
            self.c.setFillColor(color)
            self.c.drawString(MARGIN + indent, self.y - size, line)
            self.y -= size * 1.5

    def need(self, height: float) -> None:
        if self.y - height < MARGIN + 8 * mm:
            self.footer()
            self.c.showPage()
            self.page += 1
            self.y = PAGE_H - MARGIN

    def footer(self) -> None:
        self.c.setFont(self.font, 7.5)
        self.c.setFillColor(MUTED)
        self.c.drawString(MARGIN, MARGIN - 2 * mm, f"{self.doc.campaign} · {self.text.heading}")
        self.c.drawRightString(PAGE_W - MARGIN, MARGIN - 2 * mm, self.text.page % {"n": self.page})

    def head(self) -> None:
        d, t = self.doc, self.text
        self.write(t.heading, 18, RED)
        self.y -= 1 * mm
        self.write(d.campaign, 12)
        self.write(f"{t.method}:{d.method}    {t.ballots}:{d.ballots}    {t.date}:{d.date}", 9, MUTED)
        self.y -= 2 * mm
        self.write(f"{t.digest}:", 9)
        if not d.sealed:
            self.write(t.live, 8, MUTED)
        else:
            self.write(d.sealed, 8, MUTED)
        self.write(d.digest, 8.5, INK, indent=4 * mm)
        if d.warning:
            self.write(d.warning, 9, RED)
        self.write(t.verify, 7.5, MUTED)
        self.y -= 3 * mm

    def legend(self, x: float, y: float) -> None:
        self.c.setFont(self.font, 8)
        for i, label in enumerate(self.doc.labels):
            self.c.setFillColor(GRADE_COLORS[i % len(GRADE_COLORS)])
            self.c.rect(x, y - 1, 3 * mm, 3 * mm, stroke=0, fill=1)
            self.c.setFillColor(INK)
            self.c.drawString(x + 4 * mm, y, label)
            x += 6 * mm + stringWidth(label, self.font, 8) + 3 * mm

    def chart(self) -> None:
        d = self.doc
        self.need(30 * mm)
        self.write(self.text.chart, 11)
        self.legend(MARGIN, self.y - 4 * mm)
        self.y -= 8 * mm
        label_w, score_w = 48 * mm, 14 * mm
        bar_x = MARGIN + label_w
        bar_w = PAGE_W - 2 * MARGIN - label_w - score_w
        row_h = 6.2 * mm
        remaining = list(d.bars)
        while remaining:
            fit = max(int((self.y - MARGIN - 14 * mm) // row_h), 0)
            if fit == 0:
                self.need(PAGE_H)  # a new page
                continue
            chunk, remaining = remaining[:fit], remaining[fit:]
            self.axis(bar_x, bar_w, self.y, self.y - row_h * len(chunk))
            for bar in chunk:
                self.bar(bar, bar_x, bar_w, label_w, row_h)
            self.y -= 3 * mm
            if remaining:
                self.need(PAGE_H)
        self.y -= 5 * mm

    def bar(self, bar: Bar, bar_x: float, bar_w: float, label_w: float, row_h: float) -> None:
        y = self.y - row_h + 1.2 * mm
        self.c.setFont(self.font, 8)
        self.c.setFillColor(INK)
        name = f"{bar.rank}. {bar.name}"
        while stringWidth(name, self.font, 8) > label_w - 2 * mm and len(name) > 3:
            name = name[:-2] + "…"
        self.c.drawRightString(bar_x - 2 * mm, y + 1.3 * mm, name)
        for seg in bar.segments:
            if seg.width > 0:
                self.c.setFillColor(GRADE_COLORS[seg.index % len(GRADE_COLORS)])
                self.c.rect(
                    bar_x + seg.start * bar_w, y, seg.width * bar_w, row_h - 2.4 * mm, stroke=0, fill=1
                )
        self.c.setFillColor(INK)
        self.c.drawString(bar_x + bar.length * bar_w + 1.5 * mm, y + 1.3 * mm, bar.score_text)
        self.y -= row_h

    def axis(self, x: float, width: float, top: float, bottom: float) -> None:
        """Grid lines and their labels, drawn first so that the bars and scores lie on top."""
        self.c.setStrokeColor(LINE)
        self.c.setLineWidth(0.4)
        self.c.setFont(self.font, 7)
        for tick in self.doc.ticks:
            tx = x + tick.position * width
            self.c.line(tx, top, tx, bottom)
            self.c.setFillColor(MUTED)
            self.c.drawCentredString(tx, bottom - 3 * mm, tick.label)

    def table(self) -> None:
        d, t = self.doc, self.text
        self.need(20 * mm)
        self.write(t.table, 11)
        columns = [t.columns[0], t.columns[1], *d.labels, *t.columns[2:]]
        widths = [12 * mm, 52 * mm, *([12 * mm] * len(d.labels)), 20 * mm, 18 * mm, 20 * mm, 16 * mm]
        self.row(columns, widths, header=True)
        for r in d.rows:
            self.row(
                [str(r.rank), r.name, *map(str, r.counts), r.ballots, r.mean, r.trimmed, r.score], widths
            )

    def row(self, cells: Sequence[str], widths: Sequence[float], header: bool = False) -> None:
        self.need(6 * mm)
        x = MARGIN
        self.c.setFont(self.font, 8)
        self.c.setFillColor(MUTED if header else INK)
        for i, (cell, w) in enumerate(zip(cells, widths, strict=False)):
            text = cell
            while stringWidth(text, self.font, 8) > w - 1.5 * mm and len(text) > 2:
                text = text[:-2] + "…"
            if i == 1:
                self.c.drawString(x, self.y - 4 * mm, text)
            else:
                self.c.drawRightString(x + w - 1.5 * mm, self.y - 4 * mm, text)
            x += w
        self.c.setStrokeColor(LINE)
        self.c.setLineWidth(0.3)
        self.c.line(MARGIN, self.y - 5.5 * mm, x, self.y - 5.5 * mm)
        self.y -= 6 * mm

    def finish(self) -> bytes:
        self.footer()
        self.c.save()
        return self.buffer.getvalue()


def render(doc: TallyDocument, text: ReportText | None = None) -> bytes:
    writer = _Writer(doc, text or ReportText())
    writer.head()
    writer.chart()
    writer.table()
    return writer.finish()
