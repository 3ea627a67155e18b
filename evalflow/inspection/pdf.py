"""The 实地考察测评表 of one visit, as signed: plain data in, PDF bytes out.

A4, the CJK font of ``shared/pdf``: the heading (campaign, unit, time, the team, the signature),
each inspector's notes (arrival and departure, people met, summary), one table of every 实地考察
leaf with each inspector's points and the mean, the comments, and the photos' thumbnails with their
capture and receipt times and GPS position.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Image, SimpleDocTemplate, Spacer, Table, TableStyle

from evalflow.shared.messages import N_
from evalflow.shared.pdf.fonts import cjk_font
from evalflow.shared.pdf.layout import paragraph, style

INK, MUTED, LINE, HEAD = HexColor("#1f2329"), HexColor("#6b7280"), HexColor("#9ca3af"), HexColor("#eef2f7")
MARGIN = 15 * mm
THUMB = 38 * mm


@dataclass(frozen=True)
class Inspector:
    name: str
    leader: bool
    arrived: str
    left: str
    people_met: str
    summary: str


@dataclass(frozen=True)
class Row:
    code: str
    title: str
    points: str
    marks: Sequence[str]  # one per inspector, "—" when none
    mean: str


@dataclass(frozen=True)
class Photo:
    path: Path
    caption: str


@dataclass(frozen=True)
class Report:
    campaign: str
    unit: str
    starts_at: str
    kind: str  # 事先通知 / 暗访
    signed: str  # who signed, when
    inspectors: Sequence[Inspector]
    rows: Sequence[Row]
    comments: Sequence[str] = ()
    photos: Sequence[Photo] = field(default_factory=tuple)


@dataclass(frozen=True)
class Words:
    """The fixed words, passed in translated (Chinese by default)."""

    heading: str = N_("实地考察测评表")
    unit: str = N_("被考察单位")
    time: str = N_("考察时间")
    kind: str = N_("方式")
    team: str = N_("考察组")
    leader: str = N_("组长")
    signed: str = N_("组长签字")
    notes: str = N_("考察记录")
    arrived: str = N_("到达")
    left: str = N_("离开")
    people: str = N_("座谈/走访人员")
    summary: str = N_("考察小结")
    code: str = N_("编码")
    item: str = N_("测评内容")
    points: str = N_("分值")
    mean: str = N_("平均")
    comments: str = N_("评语")
    photos: str = N_("现场照片")
    none: str = N_("无")


def _p(text: str, size: float = 9.5, color: HexColor = INK) -> object:
    return paragraph(text, style(size, leading=size * 1.4, color=color))


def _score_table(report: Report, words: Words, width: float) -> Table:
    names = [i.name for i in report.inspectors]
    head = [words.code, words.item, words.points, *names, words.mean]
    data = [[_p(h, 9, MUTED) for h in head]]
    data += [
        [_p(r.code), _p(r.title), _p(r.points), *(_p(m) for m in r.marks), _p(r.mean)] for r in report.rows
    ]
    fixed = 16 * mm + 14 * mm + 16 * mm + 16 * mm * len(names)
    table = Table(data, colWidths=[16 * mm, max(width - fixed, 40 * mm), 14 * mm, *[16 * mm] * len(names), 16 * mm],
                  repeatRows=1)  # fmt: skip
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, LINE), ("BACKGROUND", (0, 0), (-1, 0), HEAD),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))  # fmt: skip
    return table


def _photo_grid(photos: Sequence[Photo], width: float) -> Table:
    per_row = max(1, int(width // (THUMB + 4 * mm)))
    cells = []
    for photo in photos:
        image = Image(str(photo.path))
        scale = min(THUMB / image.imageWidth, THUMB / image.imageHeight)
        image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
        cells.append([image, _p(photo.caption, 7.5, MUTED)])
    rows = [cells[i : i + per_row] for i in range(0, len(cells), per_row)]
    rows[-1] += [""] * (per_row - len(rows[-1]))
    table = Table(rows, colWidths=[width / per_row] * per_row)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def build(report: Report, words: Words = Words()) -> bytes:
    """The PDF of *report*."""
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN, title=f"{words.heading} {report.unit}")  # fmt: skip
    width = A4[0] - 2 * MARGIN
    team = "、".join(f"{i.name}({words.leader})" if i.leader else i.name for i in report.inspectors)
    story: list[object] = [
        _p(words.heading, 16), Spacer(0, 2 * mm), _p(report.campaign, 10, MUTED), Spacer(0, 3 * mm),
        _p(f"{words.unit}:{report.unit}"), _p(f"{words.time}:{report.starts_at}   {words.kind}:{report.kind}"),
        _p(f"{words.team}:{team}"), _p(f"{words.signed}:{report.signed}"), Spacer(0, 4 * mm),
        _score_table(report, words, width), Spacer(0, 4 * mm), _p(words.notes, 11),
    ]  # fmt: skip
    for person in report.inspectors:
        story += [_p(f"{person.name} · {words.arrived} {person.arrived} · {words.left} {person.left}", 9.5, MUTED),
                  _p(f"{words.people}:{person.people_met or words.none}"),
                  _p(f"{words.summary}:{person.summary or words.none}"), Spacer(0, 2 * mm)]  # fmt: skip
    if report.comments:
        story += [_p(words.comments, 11), *(_p(c) for c in report.comments), Spacer(0, 3 * mm)]
    if report.photos:
        story += [_p(words.photos, 11), Spacer(0, 2 * mm), _photo_grid(report.photos, width)]
    cjk_font()
    doc.build(story)  # type: ignore[arg-type]
    return out.getvalue()
