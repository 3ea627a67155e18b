"""The one door through which a campaign changes phase.

:func:`advance_phase` is the only writer of ``campaign.phase``. The facts its guards need are gathered
here from the database; the rules themselves live in :mod:`evalflow.shared.phases`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import sqlalchemy as sa

from evalflow.briefing.agenda import close_expired
from evalflow.briefing.models import Presentation, PresentationStatus
from evalflow.extensions import db
from evalflow.intake.models import Application, ApplicationStatus
from evalflow.notice.models import Notice, NoticeUnit, Objection, ObjectionStatus
from evalflow.shared import clock
from evalflow.shared.access import Action, Actor
from evalflow.shared.audit import record as audit
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.campaigns.service import require
from evalflow.shared.errors import Conflict
from evalflow.shared.messages import N_, msg
from evalflow.shared.phases import CampaignFacts, Phase, TransitionOption, check_transition, options
from evalflow.training.models import Attendance


def _accepted_units(campaign_id: int) -> sa.Select:
    return (
        sa.select(Unit.id, Unit.name)
        .join(Application, Application.unit_id == Unit.id)
        .where(Unit.campaign_id == campaign_id, Application.status == ApplicationStatus.ACCEPTED)
        .order_by(Unit.id)
    )


def _count_applications(campaign_id: int, status: ApplicationStatus) -> int:
    stmt = (
        sa.select(sa.func.count())
        .select_from(Application)
        .join(Unit, Unit.id == Application.unit_id)
        .where(Unit.campaign_id == campaign_id, Application.status == status)
    )
    return db.session.scalar(stmt) or 0


def _accepted_without(
    campaign_id: int, model: type, condition: sa.ColumnElement | None = None
) -> tuple[str, ...]:
    """Names of accepted units lacking a row of *model* (optionally one matching *condition*)."""
    sub = sa.select(model.unit_id)
    if condition is not None:
        sub = sub.where(condition)
    stmt = _accepted_units(campaign_id).where(Unit.id.not_in(sub))
    return tuple(name for _, name in db.session.execute(stmt))


def current_notice(campaign_id: int) -> Notice | None:
    stmt = (
        sa.select(Notice)
        .where(Notice.campaign_id == campaign_id, Notice.withdrawn_at.is_(None))
        .order_by(Notice.id.desc())
        .limit(1)
    )
    return db.session.scalar(stmt)


def _notice_facts(campaign_id: int) -> tuple[int, date | None, int]:
    notice = current_notice(campaign_id)
    if notice is None:
        return 0, None, 0
    units = db.session.scalar(
        sa.select(sa.func.count()).select_from(NoticeUnit).where(NoticeUnit.notice_id == notice.id)
    )
    open_objections = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Objection)
        .where(Objection.notice_id == notice.id, Objection.status == ObjectionStatus.OPEN)
    )
    return units or 0, notice.ends_on, open_objections or 0


def _seal_broken(campaign: Campaign) -> bool:
    """In review and notice: do the ballots differ from those sealed? (Reads every ballot, grouped.)"""
    if campaign.phase not in (Phase.REVIEW, Phase.NOTICE):
        return False
    from evalflow.tally.service import seal_check

    check = seal_check(campaign)
    return check is not None and not check.intact


def gather_facts(campaign: Campaign, *, check_seal: bool = True) -> CampaignFacts:
    """Read from the database everything the phase guards of *campaign* need. *check_seal* False
    leaves out the seal's check (it reads every ballot; and it is the office's to know): for showing
    the options to someone who is not the office."""
    cid = campaign.id
    notice_units, notice_ends_on, open_objections = _notice_facts(cid)
    open_names = db.session.scalars(
        sa.select(Unit.name)
        .join(Presentation, Presentation.unit_id == Unit.id)
        .where(Unit.campaign_id == cid, Presentation.status == PresentationStatus.OPEN)
        # a countdown that ran out closed scoring, whether or not anyone clicked
        .where(sa.or_(Presentation.closes_at.is_(None), Presentation.closes_at > clock.now()))
    )
    return CampaignFacts(
        title=campaign.title,
        scale_size=len(campaign.scale),
        accepted_units=len(db.session.execute(_accepted_units(cid)).all()),
        unreviewed_applications=_count_applications(cid, ApplicationStatus.SUBMITTED),
        untrained_units=_accepted_without(cid, Attendance),
        unpresented_units=_accepted_without(
            cid, Presentation, Presentation.status != PresentationStatus.PENDING
        ),
        open_presentations=tuple(open_names),
        notice_units=notice_units,
        notice_ends_on=notice_ends_on,
        unresolved_objections=open_objections,
        seal_broken=check_seal and _seal_broken(campaign),
        today=clock.today(),
    )


def transition_options(campaign: Campaign, *, check_seal: bool = True) -> list[TransitionOption]:
    return options(campaign.phase, gather_facts(campaign, check_seal=check_seal))


def _create_presentations(campaign: Campaign) -> None:
    """Entering the briefing: one pending presentation per accepted unit, in unit order."""
    existing = set(
        db.session.scalars(sa.select(Presentation.unit_id).where(Presentation.campaign_id == campaign.id))
    )
    for unit_id, _ in db.session.execute(_accepted_units(campaign.id)):
        if unit_id not in existing:
            db.session.add(Presentation(campaign_id=campaign.id, unit_id=unit_id))


def _withdraw_notice(campaign: Campaign) -> None:
    """Leaving the notice backwards: the published notice is withdrawn (kept, marked withdrawn)."""
    notice = current_notice(campaign.id)
    if notice is not None:
        notice.withdrawn_at = clock.now()


def _close_expired_presentations(campaign: Campaign) -> None:
    """Leaving the briefing: presentations whose countdown ran out are written down as closed."""
    close_expired(campaign.id)


def _leave_briefing(campaign: Campaign) -> None:
    """Leaving the briefing: expired countdowns are written down as closed, then the ballot set is
    frozen and its digest stored (tally.service.seal)."""
    from evalflow.tally.service import seal

    _close_expired_presentations(campaign)
    seal(campaign)


def _publish_notice(campaign: Campaign) -> None:
    """Entering the notice: the drafted notice becomes public (notice.service.publish_current)."""
    from evalflow.notice.service import publish_current

    publish_current(campaign)


ON_ENTER: dict[tuple[Phase, Phase], Callable[[Campaign], None]] = {
    (Phase.TRAINING, Phase.BRIEFING): _create_presentations,
    (Phase.BRIEFING, Phase.REVIEW): _leave_briefing,
    (Phase.NOTICE, Phase.REVIEW): _withdraw_notice,
    (Phase.REVIEW, Phase.NOTICE): _publish_notice,
}


def advance_phase(actor: Actor, campaign: Campaign, target: Phase, reason: str = "") -> Campaign:
    """Move *campaign* to *target* if the machine allows it and every guard holds.

    Side effects, all in the caller's transaction:
    - ``campaign.phase`` is set by a compare-and-set UPDATE on the phase read here; if another
      request changed it first, nothing is written and :class:`Conflict` (409) is raised;
    - training → briefing creates a pending presentation for every accepted unit;
    - notice → review marks the current notice withdrawn;
    - briefing → review closes presentations whose countdown ran out, then seals the ballot set
      (digest, count, method: tally.service.seal);
    - an audit entry records actor, time, from, to and reason.

    Raises :class:`InvalidTransition` for a move that is not an edge, :class:`TransitionBlocked`
    listing every unmet condition, :class:`Forbidden`/:class:`NotFound` for actors who may not.
    """
    require(actor, Action.CAMPAIGN_TRANSITION, campaign)
    current = campaign.phase
    check_transition(current, target, gather_facts(campaign))
    result = db.session.execute(
        sa.update(Campaign)
        .where(Campaign.id == campaign.id, Campaign.phase == current)
        .values(phase=target, updated_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(msg(N_("评选活动的阶段刚刚已被他人变更,请刷新后重试。")), code="wrong_phase")
    db.session.refresh(campaign)
    hook = ON_ENTER.get((current, target))
    if hook:
        hook(campaign)
    audit.record(
        actor,
        "campaign.transition",
        campaign_id=campaign.id,
        subject=("campaign", campaign.id),
        from_state=current.value,
        to_state=target.value,
        reason=(reason or "").strip()[:1000],
    )
    return campaign
