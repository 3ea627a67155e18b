"""Paper fallback of the briefing: blank 评定表 per seat, and double entry by two clerks.

Each clerk keys every sheet independently (clerk 1, clerk 2). When both have keyed a box and agree,
the grade is recorded as a ballot with source ``paper``; when they disagree the box is listed as a
mismatch until one of them corrects the entry; when the seat already voted online for that unit the
online ballot wins and the box is listed as a conflict. Re-keying is an upsert of the clerk's entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from evalflow.briefing import rules
from evalflow.briefing.agenda import presentation_rows
from evalflow.briefing.ballots import dialect_name, upsert_ballot
from evalflow.briefing.models import Ballot, PaperEntry, Presentation
from evalflow.briefing.rules import BallotSource, Reconciliation
from evalflow.briefing.scoring_sheet import Sheet, SheetText, build_sheets
from evalflow.extensions import db
from evalflow.shared import bounds, clock
from evalflow.shared.access import Action, Actor
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign, Seat, Unit
from evalflow.shared.campaigns.service import require
from evalflow.shared.errors import InvalidInput, NotFound
from evalflow.shared.i18n import tr
from evalflow.shared.messages import N_, msg


def sheet_id(campaign: Campaign, seat: Seat) -> str:
    """The ID printed on a seat's form and keyed by the clerks: ``<campaign id>-<seat id>``."""
    return f"{campaign.id}-{seat.id}"


def seat_for_sheet(campaign: Campaign, value: object) -> Seat:
    text = str(value or "").strip()
    prefix, _, seat_part = text.partition("-")
    seat_no = bounds.parse_id(seat_part) if prefix == str(campaign.id) else None
    seat = db.session.get(Seat, seat_no) if seat_no is not None else None
    unit = db.session.get(Unit, seat.unit_id) if seat else None
    if seat is None or unit is None or unit.campaign_id != campaign.id:
        raise NotFound(msg(N_("没有编号为“%(id)s”的评定表。"), id=text))
    return seat


def campaign_seats(campaign: Campaign) -> list[tuple[Seat, str]]:
    stmt = (
        sa.select(Seat, Unit.name)
        .join(Unit, Unit.id == Seat.unit_id)
        .where(Unit.campaign_id == campaign.id)
        .order_by(Unit.id, Seat.id)
    )
    return [(s, n) for s, n in db.session.execute(stmt)]


def sheet_text() -> SheetText:
    return SheetText(
        heading=tr(N_("评定表")),
        sheet_id=tr(N_("表号")),
        unit=tr(N_("单位")),
        role=tr(N_("席位")),
        name=tr(N_("姓名")),
        conditions=tr(N_("评定条件")),
        number=tr(N_("顺序")),
        presenter=tr(N_("汇报单位")),
        instruction=tr(N_("请在每个汇报单位所在行选择一个档次,在方框内打“√”。不对本单位评分。")),
        signature=tr(N_("代表签名:")),
        continued=tr(N_("(续)")),
    )


def sheets_pdf(actor: Actor, campaign: Campaign, seat_id: int | None = None) -> bytes:
    """Blank forms of every seat of the campaign, or of one seat; units in presentation order."""
    require(actor, Action.PRESENTATION_VIEW, campaign)
    agenda = [(i, p.unit_id, name) for i, (p, name) in enumerate(presentation_rows(campaign.id), start=1)]
    grades = [(g.label, g.criteria) for g in campaign.scale]
    seats = [(s, n) for s, n in campaign_seats(campaign) if seat_id is None or s.id == seat_id]
    if seat_id is not None and not seats:
        raise NotFound(msg(N_("代表席位不存在。")))
    sheets = [
        Sheet(
            sheet_id=sheet_id(campaign, seat),
            campaign=campaign.title,
            unit=unit_name,
            role=tr(seat.role.label),
            name=seat.name,
            grades=grades,
            presenters=[(pos, name) for pos, uid, name in agenda if uid != seat.unit_id],
        )
        for seat, unit_name in seats
    ]
    return build_sheets(sheets, sheet_text(), title=tr(N_("评定表")) + " · " + campaign.title)


def _entry_insert() -> sa.Insert:
    return (postgresql.insert if dialect_name() == "postgresql" else sqlite.insert)(PaperEntry)  # type: ignore[return-value]


def _clean_grades(campaign: Campaign, seat: Seat, grades: object) -> dict[int, str]:
    labels = [g.label for g in campaign.scale]
    presenting = set(
        db.session.scalars(sa.select(Presentation.unit_id).where(Presentation.campaign_id == campaign.id))
    )
    if not isinstance(grades, Mapping):
        raise InvalidInput(fields={"grades": [msg(N_("请按汇报单位填写档次。"))]})
    clean: dict[int, str] = {}
    for key, value in grades.items():
        unit_id = bounds.parse_id(key)
        if unit_id not in presenting or unit_id == seat.unit_id:
            raise InvalidInput(
                fields={"grades": [msg(N_("评定表中没有编号为 %(id)s 的单位。"), id=str(key))]}
            )
        grade = str(value or "").strip()
        clean[unit_id] = rules.parse_grade(grade, labels) if grade else ""
    return clean


@dataclass(frozen=True)
class SheetResult:
    seat: Seat
    reconciliation: Reconciliation
    recorded: dict[int, str]


def enter_sheet(
    actor: Actor, campaign: Campaign, clerk: object, sheet: object, grades: object
) -> SheetResult:
    """One clerk keys one sheet (unit id → grade, "" for a box left blank); agreeing boxes are recorded."""
    require(actor, Action.PAPER_ENTRY, campaign)
    if clerk not in (1, 2, "1", "2"):
        raise InvalidInput(fields={"clerk": [msg(N_("录入员须为 1 或 2。"))]})
    clerk_no = int(clerk)  # type: ignore[call-overload]
    seat = seat_for_sheet(campaign, sheet)
    clean = _clean_grades(campaign, seat, grades)
    now = clock.now()
    for unit_id, grade in clean.items():
        stmt = _entry_insert().values(
            seat_id=seat.id,
            unit_id=unit_id,
            clerk=clerk_no,
            grade=grade,
            entered_by=actor.label,
            entered_at=now,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["seat_id", "unit_id", "clerk"],
            set_={"grade": stmt.excluded.grade, "entered_by": stmt.excluded.entered_by, "entered_at": now},
        )
        db.session.execute(stmt)
    audit.record(
        actor,
        "paper.entry",
        campaign_id=campaign.id,
        subject=("seat", seat.id),
        data={"clerk": clerk_no, "grades": {str(k): v for k, v in clean.items()}},
    )
    result = _reconcile_seats(actor, campaign, [seat.id])
    return SheetResult(seat, result, {u: g for (s, u), g in result.record.items() if s == seat.id})


def _reconcile_seats(actor: Actor, campaign: Campaign, seat_ids: list[int] | None) -> Reconciliation:
    entries = (
        sa.select(PaperEntry.seat_id, PaperEntry.unit_id, PaperEntry.clerk, PaperEntry.grade)
        .join(Seat, Seat.id == PaperEntry.seat_id)
        .join(Unit, Unit.id == Seat.unit_id)
        .where(Unit.campaign_id == campaign.id)
    )
    ballots = (
        sa.select(Ballot.seat_id, Ballot.unit_id, Ballot.grade)
        .join(Seat, Seat.id == Ballot.seat_id)
        .join(Unit, Unit.id == Seat.unit_id)
        .where(Unit.campaign_id == campaign.id, Ballot.source == BallotSource.ONLINE)
    )
    if seat_ids is not None:
        entries = entries.where(PaperEntry.seat_id.in_(seat_ids))
        ballots = ballots.where(Ballot.seat_id.in_(seat_ids))
    keyed: dict[int, dict[tuple[int, int], str]] = {1: {}, 2: {}}
    for seat_id, unit_id, clerk, grade in db.session.execute(entries):
        keyed[clerk][(seat_id, unit_id)] = grade
    online = {(s, u): g for s, u, g in db.session.execute(ballots)}
    result = rules.reconcile(keyed[1], keyed[2], online)
    for (seat_id, unit_id), grade in result.record.items():
        # A paper ballot never replaces an online one (the upsert only updates paper ballots).
        written = upsert_ballot(seat_id, unit_id, grade, BallotSource.PAPER, only_source=BallotSource.PAPER)
        if written is None:
            result.conflicts[(seat_id, unit_id)] = (grade, "?")
        elif written[1] != written[0]:
            audit.record(
                actor,
                "ballot.paper",
                campaign_id=campaign.id,
                subject=("seat", seat_id),
                from_state=written[1],
                to_state=written[0],
                data={"seat_id": seat_id, "unit_id": unit_id, "source": "paper"},
            )
    return result


def paper_report(actor: Actor, campaign: Campaign) -> Reconciliation:
    """Every seat's double entry compared again: mismatches, conflicts with online ballots, waiting."""
    require(actor, Action.PAPER_ENTRY, campaign)
    return _reconcile_seats(actor, campaign, None)
