"""The office's audit log: every entry, filtered by actor, action, campaign and time, paginated, and
exported as CSV (docs/audit.md)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, StringField
from wtforms.validators import Length, NumberRange, Optional

from evalflow.office import audit_log
from evalflow.shared.audit import record as audit
from evalflow.shared.audit.chain import canonical_json
from evalflow.shared.audit.models import AuditEntry
from evalflow.shared.campaigns import service as campaign_svc
from evalflow.shared.clock import local, office_tz
from evalflow.shared.files import csvfile
from evalflow.shared.files import store as files
from evalflow.shared.web import current_actor
from evalflow.shared.web.decorators import office_only
from evalflow.shared.web.forms import IdField, SafeForm

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
    campaign = IdField(_l("评选活动"), validators=[Optional()])
    since = DateField(_l("起始日期"), validators=[Optional()])
    until = DateField(_l("截止日期"), validators=[Optional()])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=100000)])


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=office_tz())


def _filter(form: AuditFilterForm) -> audit_log.LogFilter | None:
    """The filters asked for, or ``None`` when one is refused (the form then holds every reason)."""
    if not form.validate():
        return None
    return audit_log.LogFilter(
        actor=(form.actor.data or "").strip(),
        action=(form.action.data or "").strip(),
        campaign_id=form.campaign.data,
        since=_start_of(form.since.data) if form.since.data else None,
        until=_start_of(form.until.data + timedelta(days=1)) if form.until.data else None,
    )


@bp.route("/")
@office_only
def index() -> tuple[str, int]:
    form = AuditFilterForm(request.args)
    return _page(form, _filter(form))


def _page(form: AuditFilterForm, flt: audit_log.LogFilter | None) -> tuple[str, int]:
    """The log page; with a refused filter (``flt`` is ``None``) no entry at all, each reason on its
    field and the user's input kept: 400."""
    actor = current_actor()
    page = form.page.data if flt is not None and form.page.data else 1
    log, total = audit_log.search(actor, flt, page=page, per_page=PER_PAGE) if flt is not None else ([], 0)
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
        subjects=audit_log.subject_names(log),
        campaigns={c.id: c.title for c in campaign_svc.list_campaigns(actor)},
        actions=audit_log.actions(),
    ), (400 if flt is None else 200)


def _csv_rows(entries: Iterator[AuditEntry]) -> Iterator[list[object]]:
    yield list(CSV_COLUMNS)
    for entry in entries:
        fields = audit.fields_of(entry)
        fields["created_at"] = local(entry.created_at).isoformat()
        fields["data"] = canonical_json(entry.data or {})
        yield [fields[c] for c in CSV_COLUMNS]


@bp.route("/export.csv")
@office_only
def export() -> Response | tuple[str, int]:
    """Every filter is checked before the first byte is sent: a refused one is the page's 400 with
    its reason, never a download of the whole log (nor a stream cut short by a failing query)."""
    form = AuditFilterForm(request.args)
    flt = _filter(form)
    if flt is None:
        return _page(form, None)
    entries = audit_log.iter_matching(current_actor(), flt)
    return files.send_csv(stream_with_context(csvfile.lines(_csv_rows(entries))), "audit-log.csv")
