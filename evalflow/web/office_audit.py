"""The office's audit log: every entry, filtered by actor, action, campaign and time, paginated, and
exported as CSV (docs/audit.md)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, StringField
from wtforms.validators import Length, NumberRange, Optional

from .. import csvfile
from ..domain.audit_chain import canonical_json
from ..models import AuditEntry
from ..services import audit, files
from ..services import campaigns as campaign_svc
from ..services.clock import local, office_tz
from . import current_actor
from .decorators import office_only
from .forms import SafeForm

bp = Blueprint("audit", __name__, url_prefix="/office/audit")

PER_PAGE = 50
CSV_COLUMNS = (
    "id", "chain", "seq", "created_at", "campaign_id", "actor_user_id", "actor_label", "action",
    "subject_type", "subject_id", "from_state", "to_state", "reason", "data", "prev_hash", "entry_hash",
)  # fmt: skip


class AuditFilterForm(SafeForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    actor = StringField(_l("操作人"), validators=[Optional(), Length(max=120)])
    action = StringField(_l("操作"), validators=[Optional(), Length(max=60)])
    campaign = IntegerField(_l("评选活动"), validators=[Optional(), NumberRange(min=1)])
    since = DateField(_l("起始日期"), validators=[Optional()])
    until = DateField(_l("截止日期"), validators=[Optional()])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=100000)])


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=office_tz())


def _filter(form: AuditFilterForm) -> audit.LogFilter:
    if not form.validate():
        return audit.LogFilter()
    return audit.LogFilter(
        actor=(form.actor.data or "").strip(),
        action=(form.action.data or "").strip(),
        campaign_id=form.campaign.data,
        since=_start_of(form.since.data) if form.since.data else None,
        until=_start_of(form.until.data + timedelta(days=1)) if form.until.data else None,
    )


@bp.route("/")
@office_only
def index() -> str | tuple[str, int]:
    actor = current_actor()
    form = AuditFilterForm(request.args)
    flt = _filter(form)
    page = form.page.data if not form.page.errors and form.page.data else 1
    log, total = audit.search(actor, flt, page=page, per_page=PER_PAGE)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "office/audit.html",
        form=form,
        log=log,
        total=total,
        page=page,
        pages=pages,
        args=args,
        subjects=audit.subject_names(log),
        campaigns={c.id: c.title for c in campaign_svc.list_campaigns(actor)},
        actions=audit.actions(),
    ), (400 if form.errors else 200)


def _csv_rows(entries: Iterator[AuditEntry]) -> Iterator[list[object]]:
    yield list(CSV_COLUMNS)
    for entry in entries:
        fields = audit.fields_of(entry)
        fields["created_at"] = local(entry.created_at).isoformat()
        fields["data"] = canonical_json(entry.data or {})
        yield [fields[c] for c in CSV_COLUMNS]


@bp.route("/export.csv")
@office_only
def export() -> Response:
    form = AuditFilterForm(request.args)
    entries = audit.iter_matching(current_actor(), _filter(form))
    return files.send_csv(stream_with_context(csvfile.lines(_csv_rows(entries))), "audit-log.csv")
