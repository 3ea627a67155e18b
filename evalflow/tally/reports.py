"""Tally reports: the PDF (综合评定结果), XLSX and CSV of the tally. Office only, from the briefing on.

The ballots' own export (pseudonymized, with the digest) is :func:`tally.service.export_ballots_csv`.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Font

from evalflow.shared import clock
from evalflow.shared.access import Actor
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.campaigns.rules import SeatRole
from evalflow.shared.files import csvfile
from evalflow.shared.i18n import tr
from evalflow.shared.messages import N_
from evalflow.tally.bias import SIGNAL_LABELS
from evalflow.tally.chart import bars, ticks
from evalflow.tally.checks import Report, tally_report
from evalflow.tally.pdf import ReportText, Row, TallyDocument, render
from evalflow.tally.rules import METHOD_LABELS, UnitResult, display, exact_text
from evalflow.tally.service import sealed_ballots

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _num(value: object) -> str:
    return "" if value is None else str(display(value))  # type: ignore[arg-type]


def _header(report: Report) -> list[str]:
    labels = [g.label for g in report.tally.scale]
    return [
        tr(N_("名次")), tr(N_("单位编号")), tr(N_("申报单位")), tr(N_("类别")), *labels,
        tr(N_("票数")), tr(N_("应投票数")), tr(N_("平均分")), tr(N_("去掉最高最低后平均分")), tr(N_("中位数")),
        tr(N_("得分")), tr(N_("得分(精确值)")),
        *[tr(N_("%(role)s平均分")) % {"role": tr(r.label)} for r in SeatRole],
        tr(N_("纸质票")),
    ]  # fmt: skip


def _float(value: object) -> float | None:
    return None if value is None else float(display(value))  # type: ignore[arg-type]


def _row(report: Report, r: UnitResult, num: Callable[[object], object] = _num) -> list[object]:
    """One unit's line; *num* shows a figure (text for CSV, a number for the spreadsheet)."""
    f = r.figures
    roles = report.tally.breakdown.by_role.get(r.unit_id, {})
    sources = report.tally.breakdown.by_source.get(r.unit_id, {})
    paper = sources.get("paper")
    return [
        r.rank, r.unit_id, r.name, r.category, *r.counts.values(), r.ballots, r.expected,
        num(f.mean), num(f.trimmed_mean), num(f.median), num(r.score), exact_text(r.score) or "",
        *[num(roles[role.value].figures.mean) if role.value in roles else None for role in SeatRole],
        paper.figures.ballots if paper else 0,
    ]  # fmt: skip


def seal_warning(report: Report) -> str:
    """The broken seal's warning in the reader's language; "" while the seal holds or before it."""
    check = report.tally.check
    warning = check.warning() if check else None
    return tr(warning) if warning else ""


def _meta(report: Report, campaign: Campaign) -> list[tuple[str, str]]:
    seal = report.tally.seal
    return [
        (tr(N_("评选活动")), campaign.title),
        (tr(N_("计分方法")), tr(METHOD_LABELS[report.tally.method])),
        (tr(N_("选票张数")), str(report.ballots)),
        (tr(N_("选票摘要(SHA-256)")), report.digest or ""),
        (tr(N_("封存摘要")), seal.digest if seal else tr(N_("尚未封存"))),
        (tr(N_("封存校验")), seal_warning(report) or (tr(N_("一致")) if seal else tr(N_("尚未封存")))),
        (tr(N_("生成日期")), clock.today().isoformat()),
    ]


def tally_csv(actor: Actor, campaign: Campaign) -> str:
    """The tally table as CSV text (``evalflow.shared.files.csvfile``: BOM, formula-like text neutralised)."""
    report = tally_report(actor, campaign, with_digest=False)
    warning = seal_warning(report)  # first, where nobody opening the file can miss it
    head = [[warning]] if warning else []
    return csvfile.text([*head, _header(report), *(_row(report, r) for r in report.tally.results)])


def _signal_text(report: Report, kind: str, figures: dict) -> str:
    names = report.names
    if kind == "flat":
        return tr(N_("全部评为“%(grade)s”,共 %(n)d 个单位")) % {
            "grade": figures["grade"],
            "n": figures["ballots"],
        }
    if kind == "reciprocity":
        return tr(N_("互评平均 %(ab)s / %(ba)s,其他代表团平均 %(bo)s / %(ao)s")) % {
            "ab": _num(figures["a_to_b"]), "ba": _num(figures["b_to_a"]),
            "bo": _num(figures["b_from_others"]), "ao": _num(figures["a_from_others"]),
        }  # fmt: skip
    units = "; ".join(
        f"{names.get(u['unit_id'], u['unit_id'])}: {_num(u['given'])} / {_num(u['from_others'])}"
        for u in figures["units"]
    )
    return f"{tr(N_('平均低'))} {_num(figures['deficit'])} · {units}"


def tally_xlsx(actor: Actor, campaign: Campaign) -> bytes:
    report = tally_report(actor, campaign)
    book = Workbook()
    sheet = book.active
    sheet.title = tr(N_("综合评定"))
    warning = seal_warning(report)
    for key, value in _meta(report, campaign):
        csvfile.xlsx_append(sheet, [key, value])
        if warning and value == warning:
            sheet.cell(sheet.max_row, 2).font = Font(bold=True, color="B8202B")
    sheet.append([])
    csvfile.xlsx_append(sheet, _header(report))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for r in report.tally.results:
        csvfile.xlsx_append(sheet, _row(report, r, _float))
    sheet.column_dimensions["C"].width = 28
    ballots = book.create_sheet(tr(N_("选票")))
    ballots.append(["unit_id", "seat", "grade", "source", "role"])
    for b in sealed_ballots(campaign, report.settings.pseudonym_salt):
        csvfile.xlsx_append(ballots, [b.unit_id, b.seat, b.grade, b.source, b.role])
    signals = book.create_sheet(tr(N_("偏差提示")))
    signals.append([tr(N_("类型")), tr(N_("席位")), tr(N_("单位")), tr(N_("数据"))])
    for s in report.signals:
        units = "、".join(report.names.get(u, str(u)) for u in s.unit_ids)
        csvfile.xlsx_append(
            signals,
            [tr(SIGNAL_LABELS[s.kind]), " ".join(s.seats), units, _signal_text(report, s.kind, s.figures)],
        )
    missing = book.create_sheet(tr(N_("未评分")))
    missing.append([tr(N_("席位")), tr(N_("所在单位")), tr(N_("未评单位"))])
    for m in report.missing:
        csvfile.xlsx_append(
            missing,
            [
                m.seat,
                report.names.get(m.seat_unit_id, ""),
                "、".join(report.names.get(u, "") for u in m.unit_ids),
            ],
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rows(results: Sequence[UnitResult]) -> list[Row]:
    return [
        Row(r.rank, r.name, list(r.counts.values()), f"{r.ballots}/{r.expected}",
            _num(r.figures.mean) or "—", _num(r.figures.trimmed_mean) or "—", _num(r.score) or "—")
        for r in results
    ]  # fmt: skip


def report_text() -> ReportText:
    return ReportText(
        heading=tr(N_("综合评定结果")),
        method=tr(N_("计分方法")),
        ballots=tr(N_("有效选票")),
        date=tr(N_("生成日期")),
        digest=tr(N_("选票封存摘要(SHA-256)")),
        live=tr(N_("尚未封存(集中汇报互评进行中),以下为当前选票的摘要")),
        chart=tr(N_("各单位得分与评定档次分布(按名次排列)")),
        table=tr(N_("评定结果明细")),
        columns=(tr(N_("名次")), tr(N_("申报单位")), tr(N_("票数/应投")), tr(N_("平均分")),
                 tr(N_("去高低平均")), tr(N_("得分"))),
        verify=tr(N_("任何人可用导出的选票文件(CSV)按 docs/tally.md 的规则重新计算得分与摘要。")),
        page=tr(N_("第 %(n)d 页")),
    )  # fmt: skip


def tally_pdf(actor: Actor, campaign: Campaign) -> bytes:
    report = tally_report(actor, campaign, with_digest=None)  # the live digest only while unsealed
    seal = report.tally.seal
    sealed = ""
    if seal:
        sealed = tr(N_("封存于 %(when)s,共 %(n)d 张选票")) % {
            "when": clock.local(seal.sealed_at).strftime("%Y-%m-%d %H:%M"),
            "n": seal.ballots,
        }
    doc = TallyDocument(
        campaign=campaign.title,
        method=tr(METHOD_LABELS[report.tally.method]),
        ballots=report.ballots,
        date=clock.today().isoformat(),
        digest=seal.digest if seal else (report.digest or ""),
        sealed=sealed,
        warning=seal_warning(report),
        labels=[g.label for g in report.tally.scale],
        bars=bars(report.tally.results, report.tally.scale),
        ticks=ticks(report.tally.scale),
        rows=_rows(report.tally.results),
    )
    return render(doc, report_text())
