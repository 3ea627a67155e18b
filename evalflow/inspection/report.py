"""The 实地考察测评表 of a signed visit: gathers the visit, its sheets and photos into the plain data
:mod:`.pdf` draws (the office and the visit's inspectors; 409 ``not_signed`` before signing)."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

from flask_babel import gettext as _

from evalflow.assessment.rules import Method, Tree
from evalflow.assessment.tree_rows import indicator_ids
from evalflow.extensions import db
from evalflow.inspection import pdf
from evalflow.inspection.sheets import Sheet, team_sheets
from evalflow.inspection.visits import name_of
from evalflow.shared import clock
from evalflow.shared.access import Actor
from evalflow.shared.accounts.models import User
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.errors import Conflict
from evalflow.shared.files import store as files
from evalflow.shared.messages import N_, msg
from evalflow.tally.rules import display


def when(moment: datetime | None) -> str:
    return clock.local(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


def _rows(tree: Tree, team: list[Sheet]) -> list[pdf.Row]:
    rows = []
    for leaf in tree.leaves(method=Method.INSPECTION):
        marks = [s.scores.get(leaf.code) for s in team]
        points = [m.points for m in marks if m is not None and m.points is not None]
        mean = str(display(sum((Fraction(p) for p in points), Fraction(0)) / len(points))) if points else "—"
        rows.append(pdf.Row(leaf.code, leaf.title, str(leaf.points),
                            [str(m.points.normalize()) if m is not None and m.points is not None else "—" for m in marks],
                            mean))  # fmt: skip
    return rows


def _photos(team: list[Sheet], codes: dict[int, str]) -> list[pdf.Photo]:
    from evalflow.inspection.photos import thumbnail_of

    out = []
    for sheet in team:
        for photo in sheet.photos:
            place = f" · GPS {photo.latitude},{photo.longitude}" if photo.latitude is not None else ""
            caption = _(
                "%(code)s · %(who)s · 拍摄 %(taken)s · 收到 %(received)s",
                code=codes.get(photo.indicator_id, ""),
                who=name_of(sheet.inspector),
                taken=when(photo.taken_at),
                received=when(photo.received_at),
            )
            out.append(pdf.Photo(files.path_of(thumbnail_of(photo)), caption + place))  # fmt: skip
    return out


def visit_report(actor: Actor, vid: int) -> tuple[bytes, str]:
    """The PDF and its file name (实地考察测评表-单位.pdf)."""
    seen, team, tree = team_sheets(actor, vid)
    visit = seen.visit
    if visit.signed_at is None or tree is None:
        raise Conflict(msg(N_("考察尚未签字,暂无实地考察测评表。")), code="not_signed")
    unit = db.session.get(Unit, visit.unit_id)
    campaign = db.session.get(Campaign, visit.campaign_id)
    signer = db.session.get(User, visit.signed_by) if visit.signed_by else None
    assert unit is not None and campaign is not None
    codes = {i: c for c, i in indicator_ids(visit.campaign_id).items()}
    comments = [f"{leaf} · {name_of(s.inspector)}:{row.comment}" for s in team for leaf, row in s.scores.items()
                if row.comment]  # fmt: skip
    report = pdf.Report(
        campaign=campaign.title, unit=unit.name, starts_at=when(visit.starts_at),
        kind=_("事先通知") if visit.announced else _("暗访"),
        signed=f"{name_of(signer) if signer else '—'} {when(visit.signed_at)}",
        inspectors=[pdf.Inspector(name_of(s.inspector), s.inspector.id == visit.leader_id, when(s.member.arrived_at),
                                  when(s.member.left_at), s.member.people_met, s.member.summary) for s in team],
        rows=_rows(tree, team), comments=comments, photos=_photos(team, codes),
    )  # fmt: skip
    return pdf.build(report, _words()), f"{_('实地考察测评表')}-{unit.name}.pdf"


def _words() -> pdf.Words:
    return pdf.Words(**{k: _(v) for k, v in pdf.Words().__dict__.items()})
