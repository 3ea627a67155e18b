"""Who may do what: the one predicate that the API, the HTML views and the templates all ask.

A rule names the roles that may perform an action, the phases in which it is possible (``None``:
any phase) and whether a unit or seat may only act on its own unit's things. :func:`decide` answers
with a :class:`Permission` that distinguishes "not yours" (403/404) from "not now" (409).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from evalflow.shared.phases import Phase


class Role(enum.StrEnum):
    OFFICE = "office"
    UNIT = "unit"
    SEAT = "seat"
    PUBLIC = "public"
    REVIEWER = "reviewer"  # scores 材料审核 sheets of the units assigned to them
    INSPECTOR = "inspector"  # a member of a 实地考察 group


@dataclass(frozen=True)
class Actor:
    role: Role
    user_id: int | None = None
    unit_id: int | None = None
    campaign_id: int | None = None
    seat_id: int | None = None
    label: str = ""

    @property
    def is_office(self) -> bool:
        return self.role is Role.OFFICE


PUBLIC = Actor(Role.PUBLIC, label="public")


class Action(enum.StrEnum):
    CAMPAIGN_CREATE = "campaign.create"
    CAMPAIGN_VIEW = "campaign.view"
    CAMPAIGN_EDIT = "campaign.edit"
    CAMPAIGN_EDIT_SCALE = "campaign.edit_scale"
    CAMPAIGN_TRANSITION = "campaign.transition"
    AUDIT_VIEW = "audit.view"
    UNIT_MANAGE = "unit.manage"
    UNIT_VIEW = "unit.view"
    APPLICATION_VIEW = "application.view"
    APPLICATION_EDIT = "application.edit"
    APPLICATION_REVIEW = "application.review"
    VETO_MANAGE = "veto.manage"
    UNIT_REGISTER = "unit.register"
    TRAINING_MANAGE = "training.manage"
    TRAINING_VIEW = "training.view"
    ATTENDANCE_MARK = "attendance.mark"
    ATTENDANCE_VIEW = "attendance.view"
    ATTENDANCE_CHECKIN = "attendance.checkin"
    FAQ_WRITE = "faq.write"
    FAQ_ASK = "faq.ask"
    FAQ_READ = "faq.read"
    SEAT_MANAGE = "seat.manage"
    SEAT_MANAGE_OFFICE = "seat.manage_office"
    SEAT_VIEW = "seat.view"
    PRESENTATION_MANAGE = "presentation.manage"
    BALLOT_CAST = "ballot.cast"
    TALLY_VIEW = "tally.view"
    NOTICE_PUBLISH = "notice.publish"
    OBJECTION_MANAGE = "objection.manage"
    ACCOUNT_MANAGE = "account.manage"
    PRESENTATION_VIEW = "presentation.view"
    BALLOT_VIEW_OWN = "ballot.view_own"
    PAPER_ENTRY = "paper.entry"
    TALLY_SETTINGS = "tally.settings"
    PROPOSAL_EDIT = "proposal.edit"
    OBJECTION_VIEW = "objection.view"
    CALENDAR_MANAGE = "calendar.manage"
    ARCHIVE_DOWNLOAD = "archive.download"
    # the 测评体系 (evalflow/assessment)
    INDICATORS_VIEW = "indicators.view"
    INDICATORS_EDIT = "indicators.edit"
    REVIEWERS_MANAGE = "reviewers.manage"
    SHEETS_VIEW = "sheets.view"
    SHEET_VIEW_OWN = "sheet.view_own"
    SHEET_SCORE = "sheet.score"
    DIVERGENCE_RESOLVE = "divergence.resolve"
    SOURCE_CLOSE = "source.close"
    # 实地考察 (evalflow/inspection): an inspector's reach is the visits they are on, which its use
    # cases check (an inspector belongs to no campaign, so they ask with the phase alone).
    VISIT_MANAGE = "visit.manage"
    VISIT_BOARD = "visit.board"
    VISIT_VIEW_UNIT = "visit.view_unit"
    VISIT_VIEW = "visit.view"
    VISIT_SCORE = "visit.score"
    VISIT_SIGN = "visit.sign"
    VISIT_AMEND = "visit.amend"
    # 综合测评 (evalflow/review): the composite of every source, the office's like the tally.
    COMPOSITE_VIEW = "composite.view"
    # 问卷调查 and 征求意见 (evalflow/survey): the public answers and departments hold a link, which
    # the use cases check (a code, a device, a department's token).
    SURVEY_EDIT = "survey.edit"
    SURVEY_VIEW = "survey.view"
    SURVEY_CODES = "survey.codes"
    SURVEY_ANSWER = "survey.answer"
    SURVEY_INVALIDATE = "survey.invalidate"
    SURVEY_PAPER = "survey.paper"
    DEPARTMENT_MANAGE = "department.manage"
    OPINION_GIVE = "opinion.give"
    OPINION_DECIDE = "opinion.decide"


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    phases: frozenset[Phase] | None = None
    own_unit: bool = False


def _rule(*roles: Role, phases: tuple[Phase, ...] | None = None, own_unit: bool = False) -> Rule:
    return Rule(frozenset(roles), frozenset(phases) if phases is not None else None, own_unit)


OFFICE, UNIT, SEAT, REVIEWER = Role.OFFICE, Role.UNIT, Role.SEAT, Role.REVIEWER
FROM_BRIEFING = (Phase.BRIEFING, Phase.REVIEW, Phase.NOTICE, Phase.FINAL)
BEFORE_BRIEFING = (Phase.DRAFT, Phase.INTAKE, Phase.TRAINING)
BEFORE_REVIEW = (*BEFORE_BRIEFING, Phase.BRIEFING)
SCORING = (Phase.TRAINING, Phase.BRIEFING)  # the assessment's sources are scored then (the contract)
# Roles that belong to one campaign (and a unit of it). A reviewer's or an inspector's reach is the
# units assigned to them, which their use cases check.
CAMPAIGN_ROLES = frozenset({Role.UNIT, Role.SEAT})
INSPECTING = SCORING  # 实地考察 is scored when every source is

RULES: dict[Action, Rule] = {
    Action.CAMPAIGN_CREATE: _rule(OFFICE),
    Action.CAMPAIGN_VIEW: _rule(OFFICE, UNIT),
    Action.CAMPAIGN_EDIT: _rule(OFFICE),
    Action.CAMPAIGN_EDIT_SCALE: _rule(OFFICE, phases=(Phase.DRAFT,)),
    Action.CAMPAIGN_TRANSITION: _rule(OFFICE),
    Action.AUDIT_VIEW: _rule(OFFICE),
    Action.UNIT_MANAGE: _rule(OFFICE),
    Action.UNIT_VIEW: _rule(OFFICE, UNIT, own_unit=True),
    Action.APPLICATION_VIEW: _rule(OFFICE, UNIT, own_unit=True),
    Action.APPLICATION_EDIT: _rule(UNIT, phases=(Phase.INTAKE,), own_unit=True),
    Action.APPLICATION_REVIEW: _rule(OFFICE, phases=(Phase.INTAKE,)),
    Action.VETO_MANAGE: _rule(OFFICE),
    # Self-registration is open to anyone, only while the campaign takes applications.
    Action.UNIT_REGISTER: _rule(Role.PUBLIC, phases=(Phase.INTAKE,)),
    Action.TRAINING_MANAGE: _rule(OFFICE, phases=BEFORE_BRIEFING),
    Action.TRAINING_VIEW: _rule(OFFICE, UNIT),
    Action.ATTENDANCE_MARK: _rule(OFFICE, phases=(Phase.TRAINING,)),
    Action.ATTENDANCE_VIEW: _rule(OFFICE),
    Action.ATTENDANCE_CHECKIN: _rule(UNIT, phases=(Phase.TRAINING,)),
    Action.FAQ_WRITE: _rule(OFFICE),
    Action.FAQ_ASK: _rule(UNIT, phases=(Phase.INTAKE, Phase.TRAINING, Phase.BRIEFING)),
    Action.FAQ_READ: _rule(OFFICE, UNIT),
    Action.SEAT_MANAGE: _rule(OFFICE, UNIT, phases=BEFORE_BRIEFING, own_unit=True),
    Action.SEAT_MANAGE_OFFICE: _rule(OFFICE),
    Action.SEAT_VIEW: _rule(OFFICE, UNIT, own_unit=True),
    Action.PRESENTATION_MANAGE: _rule(OFFICE, phases=(Phase.BRIEFING,)),
    Action.BALLOT_CAST: _rule(SEAT, phases=(Phase.BRIEFING,)),
    Action.TALLY_VIEW: _rule(OFFICE, phases=FROM_BRIEFING),
    Action.NOTICE_PUBLISH: _rule(OFFICE, phases=(Phase.REVIEW,)),
    Action.OBJECTION_MANAGE: _rule(OFFICE, phases=(Phase.NOTICE,)),
    Action.ACCOUNT_MANAGE: _rule(OFFICE),
    Action.PRESENTATION_VIEW: _rule(OFFICE, phases=FROM_BRIEFING),
    Action.BALLOT_VIEW_OWN: _rule(SEAT),
    Action.PAPER_ENTRY: _rule(OFFICE, phases=(Phase.BRIEFING,)),
    Action.TALLY_SETTINGS: _rule(OFFICE, phases=(Phase.DRAFT,)),
    Action.PROPOSAL_EDIT: _rule(OFFICE, phases=(Phase.REVIEW,)),
    Action.OBJECTION_VIEW: _rule(OFFICE),
    Action.CALENDAR_MANAGE: _rule(OFFICE),
    Action.ARCHIVE_DOWNLOAD: _rule(OFFICE, phases=(Phase.FINAL,)),
    Action.INDICATORS_VIEW: _rule(OFFICE),
    # From draft until frozen (once a source has a score: evalflow/assessment/tree.py).
    Action.INDICATORS_EDIT: _rule(OFFICE, phases=BEFORE_REVIEW),
    Action.REVIEWERS_MANAGE: _rule(OFFICE, phases=BEFORE_REVIEW),
    Action.SHEETS_VIEW: _rule(OFFICE),
    Action.SHEET_VIEW_OWN: _rule(REVIEWER),
    Action.SHEET_SCORE: _rule(REVIEWER, phases=SCORING),
    Action.DIVERGENCE_RESOLVE: _rule(OFFICE, phases=SCORING),
    Action.SOURCE_CLOSE: _rule(OFFICE, phases=SCORING),
    Action.VISIT_MANAGE: _rule(OFFICE, phases=(*BEFORE_BRIEFING, Phase.BRIEFING)),
    Action.VISIT_BOARD: _rule(OFFICE),
    Action.VISIT_VIEW_UNIT: _rule(OFFICE, UNIT, own_unit=True),
    Action.VISIT_VIEW: _rule(OFFICE, Role.INSPECTOR),
    Action.VISIT_SCORE: _rule(Role.INSPECTOR, phases=INSPECTING),
    Action.VISIT_SIGN: _rule(Role.INSPECTOR, phases=INSPECTING),
    Action.VISIT_AMEND: _rule(OFFICE, phases=INSPECTING),
    Action.COMPOSITE_VIEW: _rule(OFFICE, phases=FROM_BRIEFING),
    Action.SURVEY_EDIT: _rule(OFFICE, phases=BEFORE_REVIEW),
    Action.SURVEY_VIEW: _rule(OFFICE),
    Action.SURVEY_CODES: _rule(OFFICE, phases=BEFORE_REVIEW),
    Action.SURVEY_ANSWER: _rule(Role.PUBLIC, phases=SCORING),
    Action.SURVEY_INVALIDATE: _rule(OFFICE, phases=SCORING),
    Action.SURVEY_PAPER: _rule(OFFICE, phases=SCORING),
    Action.DEPARTMENT_MANAGE: _rule(OFFICE, phases=BEFORE_REVIEW),
    Action.OPINION_GIVE: _rule(Role.PUBLIC, phases=SCORING),
    Action.OPINION_DECIDE: _rule(OFFICE, phases=SCORING),
}

# After 审定表彰 a campaign is a closed record: every write to it is refused (409), reads stay open.
READ_ONLY_PHASES: frozenset[Phase] = frozenset({Phase.FINAL})


def read_only(phase: Phase | None) -> bool:
    """Whether a campaign in *phase* refuses every write (enforced once, for every write request)."""
    return phase in READ_ONLY_PHASES


class Permission(enum.Enum):
    ALLOWED = "allowed"
    FORBIDDEN = "forbidden"  # this actor may never do this to this thing
    WRONG_PHASE = "wrong_phase"  # the actor may, but not in the current phase

    def __bool__(self) -> bool:
        return self is Permission.ALLOWED


def decide(
    actor: Actor,
    action: Action,
    *,
    phase: Phase | None = None,
    campaign_id: int | None = None,
    unit_id: int | None = None,
) -> Permission:
    """Decide whether *actor* may perform *action* on a thing of *campaign_id* / *unit_id* in *phase*.

    Office staff act on every campaign. A unit or seat acts only inside its own campaign and, for
    ``own_unit`` rules, only on its own unit. A reviewer or inspector may act where their use case
    finds them assigned (the assignment is a fact of the database, not of the actor). Phase is
    checked last, so that a stranger learns nothing about the phase of a thing that is not theirs.
    """
    rule = RULES[action]
    if actor.role not in rule.roles:
        return Permission.FORBIDDEN
    if actor.role in CAMPAIGN_ROLES:  # the office and the public belong to no campaign, nor do reviewers
        if campaign_id is not None and actor.campaign_id != campaign_id:
            return Permission.FORBIDDEN
        if rule.own_unit and unit_id is not None and actor.unit_id != unit_id:
            return Permission.FORBIDDEN
    if rule.phases is not None and phase is not None and phase not in rule.phases:
        return Permission.WRONG_PHASE
    return Permission.ALLOWED


def can(actor: Actor, action: Action, **context: object) -> bool:
    return bool(decide(actor, action, **context))  # type: ignore[arg-type]
