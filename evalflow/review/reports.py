"""The 综合测评's downloads (the office, from the briefing on): the 测评汇总表 as XLSX and PDF, and a
unit's 测评表 as PDF (every leaf, its value, how it was made, and each sheet: who, when, points, comment).
Figures are shown to 2 decimals (half up); the XLSX also carries each total's exact value."""

from __future__ import annotations

import io
from fractions import Fraction

from openpyxl import Workbook
from openpyxl.styles import Font

from evalflow.assessment.composite import LeafResult, UnitResult
from evalflow.assessment.formula import explain, formula
from evalflow.assessment.rules import METHOD_LABELS, Kind, Method, number
from evalflow.review import pdf
from evalflow.review.service import Composite
from evalflow.review.sheets import SheetInfo
from evalflow.shared import clock
from evalflow.shared.files import csvfile
from evalflow.shared.i18n import tr
from evalflow.shared.messages import N_
from evalflow.tally.rules import display, exact_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def fmt(value: Fraction | None) -> str:
    """A figure to 2 decimals (half up), or a dash."""
    shown = display(value)
    return "—" if shown is None else str(shown)


def methods(found: Composite) -> list[Method]:
    """The methods with base leaves, in the tree's order (the table's source columns)."""
    return [m for m in found.tree.methods() if found.tree.leaves(Kind.BASE, m)]


def summary_header(found: Composite) -> list[str]:
    return [
        tr(N_("名次")), tr(N_("申报单位")), tr(N_("类别")), *[tr(METHOD_LABELS[m]) for m in methods(found)],
        tr(N_("加分")), tr(N_("扣分")), tr(N_("总分")), tr(N_("测评完整")), tr(N_("达标")),
    ]  # fmt: skip


def _yes(flag: bool) -> str:
    return tr(N_("是")) if flag else tr(N_("否"))


def _rank(result: UnitResult) -> str:
    return tr(N_("一票否决")) if result.vetoed else str(result.rank or "—")


def summary_rows(found: Composite) -> list[list[str]]:
    rows = []
    for r in found.results:
        verdict = found.verdicts.get(r.unit_id)
        rows.append(
            [
                _rank(r), r.name, r.category, *[fmt(r.source_points(m)) for m in methods(found)],
                fmt(r.bonus), fmt(r.deductions), fmt(r.total), _yes(r.complete),
                _yes(bool(verdict and verdict.qualifies)),
            ]
        )  # fmt: skip
    return rows


def _meta(found: Composite, seal_text: str) -> list[str]:
    return [
        f"{tr(N_('评选活动'))}:{found.campaign.title}",
        f"{tr(N_('计分公式'))}:{tr(formula(found.tree, found.top_points))}",
        f"{tr(N_('封存'))}:{seal_text}",
        f"{tr(N_('生成日期'))}:{clock.today().isoformat()}",
    ]


def summary_xlsx(found: Composite, seal_text: str = "") -> bytes:
    """The 测评汇总表 as a workbook: one row per unit, figures as numbers, each total's exact value."""
    book = Workbook()
    sheet = book.active
    sheet.title = tr(N_("测评汇总表"))[:31]
    for line in _meta(found, seal_text):  # the campaign's title and the office's names: text, never formulas
        csvfile.xlsx_append(sheet, [line])
    sheet.append([])
    header = [tr(N_("单位编号")), *summary_header(found), tr(N_("总分(精确值)"))]
    csvfile.xlsx_append(sheet, header)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for r, row in zip(found.results, summary_rows(found), strict=True):
        figures = [_float(r.source_points(m)) for m in methods(found)]
        verdict = found.verdicts.get(r.unit_id)
        csvfile.xlsx_append(
            sheet,
            [
                r.unit_id, r.rank if r.rank is not None else row[0], r.name, r.category, *figures,
                _float(r.bonus), _float(r.deductions), _float(r.total), row[-2],
                _yes(bool(verdict and verdict.qualifies)), exact_text(r.total),
            ]
        )  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _float(value: Fraction | None) -> float | None:
    shown = display(value)
    return None if shown is None else float(shown)


def summary_pdf(found: Composite, seal_text: str = "", warning: str = "") -> bytes:
    """The 测评汇总表 as PDF (landscape A4)."""
    header = summary_header(found)
    n = len(methods(found))
    widths = [1.2, 5, 2, *([1.6] * n), 1.4, 1.4, 1.6, 1.4, 1.2]
    doc = pdf.Document(
        title=tr(N_("测评汇总表")), meta=_meta(found, seal_text), header=header, rows=summary_rows(found),
        widths=widths, numeric=frozenset(range(3, 3 + n + 3)), page=tr(N_("第 %(n)d 页")), warning=warning,
        note=tr(N_("每项得分按声明的公式由各评分表精确计算,显示时四舍五入到两位小数;名次按总分及声明的同分排序规则。")),
    )  # fmt: skip
    return pdf.render(doc)


def _marks(leaf: LeafResult, sheets: dict[int, SheetInfo]) -> list[list[str]]:
    """One line per sheet behind *leaf*: who, when, points, grade, comment."""
    rows = []
    for mark in leaf.marks:
        info = sheets.get(mark.sheet) if isinstance(mark.sheet, int) else None
        when = info.submitted_at.strftime("%Y-%m-%d %H:%M") if info and info.submitted_at else ""
        rows.append(
            [
                leaf.item.code, info.name if info else mark.scorer, when, str(number(mark.points)),
                info.grades.get(leaf.item.code, "") if info else "",
                info.comments.get(leaf.item.code, "") if info else "",
            ]
        )  # fmt: skip
    return rows


def unit_pdf(found: Composite, result: UnitResult, sheets: dict[int, SheetInfo]) -> bytes:
    """A unit's 测评表: every leaf (code, title, method, points, value, how it was made), then every
    sheet's marks (who, when, points, grade, comment)."""
    leaves = [result.leaves[item.code] for item in found.tree.leaves()]
    rows = [
        [
            leaf.item.code, leaf.item.title, tr(METHOD_LABELS[leaf.item.method]) if leaf.item.method else "",
            str(number(leaf.item.points)), fmt(leaf.value), tr(explain(leaf, found.top_points)),
        ]
        for leaf in leaves
    ]  # fmt: skip
    marks = [row for leaf in leaves for row in _marks(leaf, sheets)]
    sources = ";".join(f"{tr(METHOD_LABELS[m])} {fmt(result.source_points(m))}" for m in methods(found))
    meta = [
        f"{tr(N_('评选活动'))}:{found.campaign.title}",
        f"{tr(N_('申报单位'))}:{result.name}",
        f"{tr(N_('总分'))}:{fmt(result.total)}({sources};{tr(N_('加分'))} {fmt(result.bonus)};"
        f"{tr(N_('扣分'))} {fmt(result.deductions)});{tr(N_('名次'))}:{_rank(result)}",
        f"{tr(N_('计分公式'))}:{tr(formula(found.tree, found.top_points))}",
    ]
    doc = pdf.Document(
        title=tr(N_("测评表")), meta=meta,
        header=[tr(N_("编号")), tr(N_("测评标准")), tr(N_("方式")), tr(N_("分值")), tr(N_("得分")), tr(N_("计算"))],
        rows=rows, widths=[1.2, 4, 1.6, 1, 1.1, 5], numeric=frozenset({3, 4}), page=tr(N_("第 %(n)d 页")),
        sections=[(
            tr(N_("评分表")),
            [tr(N_("编号")), tr(N_("评分人")), tr(N_("提交时间")), tr(N_("分数")), tr(N_("档次")), tr(N_("意见"))],
            marks, [1.2, 2.5, 2.2, 1, 1, 6],
        )],
    )  # fmt: skip
    return pdf.render(doc)
