"""The tally report (综合评定结果) PDF: A4, CJK font embedded, the bar chart, the table, the method,
the digest of the sealed ballot set and the date. Pages break as often as the units need."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from evalflow.shared.pdf.fonts import cjk_font
from evalflow.shared.pdf.layout import draw_box, fit, flow, one_line, paragraph, style
from evalflow.tally.chart import Bar, Tick

PAGE_W, PAGE_H = A4
MARGIN = 16 * mm
BOTTOM = MARGIN + 8 * mm  # the body stays above the footer
LEGEND_MAX = 60 * mm  # the widest label of the chart's legend
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
        self.head_cells: list[str] = []  # the table's column heads, repeated on each page it spans
        self.widths: list[float] = []  # the table's column widths

    def write(self, words: str, size: float = 9, color=INK, indent: float = 0) -> None:
        """Write *words* across the page (wrapped, on as many pages as they need)."""
        para = paragraph(words, style(size, leading=size * 1.5, color=color, font=self.font))
        width = PAGE_W - 2 * MARGIN - indent
        self.y = flow(self.c, para, MARGIN + indent, self.y, width, BOTTOM, self.new_page)

    def need(self, height: float) -> None:
        if self.y - height < BOTTOM:
            self.new_page()

    def new_page(self) -> float:
        self.footer()
        self.c.showPage()
        self.page += 1
        self.y = PAGE_H - MARGIN
        return self.y

    def footer(self) -> None:
        """The campaign (cut with an ellipsis when it is long: the first page has it in full) and the page."""
        st = style(7.5, color=MUTED, font=self.font)
        number = self.text.page % {"n": self.page}
        right = PAGE_W - MARGIN
        self.c.setFont(self.font, 7.5)
        self.c.setFillColor(MUTED)
        self.c.drawRightString(right, MARGIN - 2 * mm, number)
        width = right - MARGIN - stringWidth(number, self.font, 7.5) - 6 * mm
        box_y = MARGIN - 2 * mm - 2.5
        draw_box(
            self.c,
            self.doc.campaign,
            st,
            MARGIN,
            box_y,
            width,
            one_line(st),
            valign="bottom",
            suffix=f" · {self.text.heading}",
        )

    def head(self) -> None:
        d, t = self.doc, self.text
        self.write(t.heading, 18, RED)
        self.y -= 1 * mm
        self.write(d.campaign, 12)
        gap = "\xa0\xa0\xa0 "  # no-break spaces: a paragraph would fold plain ones into one
        self.write(f"{t.method}:{d.method}{gap}{t.ballots}:{d.ballots}{gap}{t.date}:{d.date}", 9, MUTED)
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

    def legend(self) -> None:
        """A colour square and the label of each grade, left to right, on as many lines as they need."""
        st = style(8, font=self.font)
        height = one_line(st)
        x, top = MARGIN, self.y - 1 * mm
        for i, label in enumerate(self.doc.labels):
            para = fit(label, st, LEGEND_MAX, height)
            para.wrap(LEGEND_MAX, height)
            width = max(para.getActualLineWidths0(), default=0)
            if x > MARGIN and x + 4 * mm + width > PAGE_W - MARGIN:
                x, top = MARGIN, top - height - 1 * mm
            self.c.setFillColor(GRADE_COLORS[i % len(GRADE_COLORS)])
            self.c.rect(x, top - 8 - 1, 3 * mm, 3 * mm, stroke=0, fill=1)
            para.drawOn(self.c, x + 4 * mm, top - para.height)
            x += 4 * mm + width + 5 * mm
        self.y = top - height - 2 * mm

    def chart(self) -> None:
        d = self.doc
        self.need(30 * mm)
        self.write(self.text.chart, 11)
        self.legend()
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
        name = style(8, font=self.font, align=TA_RIGHT)  # the table below has the full name
        draw_box(
            self.c,
            f"{bar.rank}. {bar.name}",
            name,
            MARGIN,
            self.y - row_h,
            label_w - 2 * mm,
            row_h,
            floor=5.5,
            valign="middle",
        )
        self.c.setFont(self.font, 8)
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
        self.head_cells = [t.columns[0], t.columns[1], *d.labels, *t.columns[2:]]
        widths = [12 * mm, 52 * mm, *([12 * mm] * len(d.labels)), 20 * mm, 18 * mm, 20 * mm, 16 * mm]
        scale = min(1.0, (PAGE_W - 2 * MARGIN) / sum(widths))  # many grades: every column narrower
        self.widths = [w * scale for w in widths]
        self.row(self.head_cells, header=True)
        for r in d.rows:
            self.row([str(r.rank), r.name, *map(str, r.counts), r.ballots, r.mean, r.trimmed, r.score])

    def _cells(self, cells: Sequence[str], header: bool) -> list[tuple[Paragraph, float]]:
        """Each cell's paragraph and height: the unit's full name wraps (8 pt, down to 6.5 pt before it
        takes a third line); a figure shrinks to stay on one line; a column head wraps."""
        out = []
        for i, (cell, w) in enumerate(zip(cells, self.widths, strict=False)):
            st = style(
                8, color=MUTED if header else INK, font=self.font, align=TA_LEFT if i == 1 else TA_RIGHT
            )
            lines = 2 if i == 1 or header else 1
            para = fit(cell, st, w - 1.5 * mm, lines * st.leading + 0.01, 6.5 if i == 1 else 5, cut=False)
            out.append((para, para.wrap(w - 1.5 * mm, PAGE_H)[1]))
        return out

    def row(self, cells: Sequence[str], header: bool = False) -> None:
        paras = self._cells(cells, header)
        height = max(6 * mm, 1.2 * mm + max(h for _, h in paras) + 1.3 * mm)
        if self.y - height < BOTTOM:
            self.new_page()
            if not header:  # the column heads again on top of the new page
                self.row(self.head_cells, header=True)
        x = MARGIN
        for (para, h), w in zip(paras, self.widths, strict=False):
            para.drawOn(self.c, x, self.y - 1.2 * mm - h)
            x += w
        self.c.setStrokeColor(LINE)
        self.c.setLineWidth(0.3)
        self.c.line(MARGIN, self.y - height + 0.5 * mm, x, self.y - height + 0.5 * mm)
        self.y -= height

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
