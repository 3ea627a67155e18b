"""The reviewer's pages: their assignments, and the side-by-side 材料审核 sheet — the unit's report and
attachments on the left, the unit's materials leaves on the right, saved as it goes by
``static/sheet.js`` (one ``PUT …/materials-sheet`` per change) and a plain form without JavaScript.
Both go through :func:`.sheets.save_sheet`; submitting locks the sheet."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from evalflow.assessment import sheets
from evalflow.assessment.rules import Item, Method, Tree, plain
from evalflow.assessment.sheet_rules import MAX_COMMENT, exact_decimal
from evalflow.extensions import db
from evalflow.intake.applications import attachments, peek_application
from evalflow.shared.access import Action, Role, can
from evalflow.shared.errors import DomainError, InvalidInput, NotFound
from evalflow.shared.files import store as files
from evalflow.shared.files.models import StoredFile
from evalflow.shared.i18n import tr, tr_all
from evalflow.shared.web import current_actor
from evalflow.shared.web.feedback import flash_failure, flash_stale, undo
from evalflow.shared.web.forms import EmptyForm

bp = Blueprint("assessor", __name__, url_prefix="/review")
NONE_FOUND = "__none__"  # the deductions group's "no problem found" box
INLINE_TYPES = ("application/pdf", "image/jpeg", "image/png")  # the browser shows these itself


def assessor_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """Reviewers and inspectors (anyone else signed in: 403; not signed in: the sign-in page)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        if current_user.role not in (Role.REVIEWER, Role.INSPECTOR):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


@bp.route("/")
@assessor_only
def home() -> str:
    actor = current_actor()
    found = sheets.my_assignments(actor) if actor.role is Role.REVIEWER else []
    return render_template("assessor/home.html", assignments=found)


def _path(tree: Tree, leaf: Item) -> str:
    """The titles above a leaf (测评项目 › 测评内容), for the sheet's headings."""
    for item in tree.items:
        if item is leaf:
            return ""
        for child in item.children:
            if child is leaf:
                return item.title
            if any(grand is leaf for grand in child.children):
                return f"{item.title} › {child.title}"
    return ""


def _render(
    cid: int, uid: int, current: sheets.SheetState, posted: dict | None = None, errors: dict | None = None
):
    campaign = sheets.campaign_row(cid)
    application = peek_application(current.unit)
    tree = current.tree
    leaves = tree.leaves(method=Method.MATERIALS) if tree else []
    return render_template(
        "assessor/sheet.html",
        campaign=campaign,
        unit=current.unit,
        application=application,
        files=attachments(application),
        inline_types=INLINE_TYPES,
        leaves=[(leaf, _path(tree, leaf)) for leaf in leaves] if tree else [],
        state=current,
        posted=posted,
        errors=errors or {},
        editable=not current.submitted and can(current_actor(), Action.SHEET_SCORE, phase=campaign.phase),
        form=EmptyForm(),
        max_comment=MAX_COMMENT,
        none_found=NONE_FOUND,
        api_url=url_for("api.put_materials_sheet", cid=cid, uid=uid),
        shown=lambda value: str(plain(value)),
        grade_points=lambda leaf, grade: str(
            exact_decimal(leaf.rubric.grade_points(leaf.points, grade.label))
        ),
    )


@bp.route("/campaigns/<int:cid>/units/<int:uid>")
@assessor_only
def sheet(cid: int, uid: int) -> str:
    return _render(cid, uid, sheets.my_sheet(current_actor(), sheets.campaign_row(cid), uid))


def _posted_body(leaves: list[Item]) -> dict[str, dict[str, object]]:
    """The plain form's fields as the API's body: every leaf's mark (blank clears it) and comment."""
    form = request.form
    body: dict[str, dict[str, object]] = {"scores": {}, "grades": {}, "found": {}, "comments": {}}
    for leaf in leaves:
        code = leaf.code
        rubric = leaf.rubric
        if rubric is not None and rubric.grades:
            grade = form.get(f"grade-{code}", "")
            body["grades" if grade else "scores"][code] = grade or None
        elif rubric is not None and rubric.shortfalls:
            chosen = form.getlist(f"found-{code}")[: len(rubric.shortfalls) + 1]
            if chosen:  # "no problem found" alone: full points; with some ticked, those count
                body["found"][code] = [c for c in chosen if c != NONE_FOUND]
            else:
                body["scores"][code] = None
        else:
            body["scores"][code] = form.get(f"score-{code}", "").strip() or None
        body["comments"][code] = form.get(f"comment-{code}", "")
    return body


def _errors_by_code(exc: DomainError) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, reasons in exc.fields.items():
        code = key.split(".", 1)[1] if "." in key else ""
        out.setdefault(code, []).extend(tr_all(reasons))
    return out


@bp.route("/campaigns/<int:cid>/units/<int:uid>", methods=["POST"])
@assessor_only
def save(cid: int, uid: int) -> str | Response | tuple[str, int]:
    """The sheet without JavaScript: every field at once; ``action=submit`` also locks it."""
    actor = current_actor()
    campaign = sheets.campaign_row(cid)
    if not EmptyForm().validate_on_submit():
        flash_stale()
        return redirect(url_for("assessor.sheet", cid=cid, uid=uid))
    current = sheets.my_sheet(actor, campaign, uid)
    leaves = current.tree.leaves(method=Method.MATERIALS) if current.tree else []
    body = _posted_body(leaves)
    submit = request.form.get("action") == "submit"
    try:
        sheets.save_sheet(actor, campaign, uid, body, submit=submit)
    except InvalidInput as refused:
        exc = undo(refused)  # the page says why: the message on top, each reason on its leaf
        errors = _errors_by_code(exc)
        errors.setdefault("", []).insert(0, tr(exc.message))
        return _render(cid, uid, sheets.my_sheet(actor, campaign, uid), request.form, errors), 400
    except DomainError as exc:
        flash_failure(exc)
        return redirect(url_for("assessor.sheet", cid=cid, uid=uid))
    flash(_("评分表已提交,不能再修改。") if submit else _("已保存。"), "success")
    return redirect(url_for("assessor.sheet", cid=cid, uid=uid))


@bp.route("/campaigns/<int:cid>/units/<int:uid>/files/<int:fid>")
@assessor_only
def attachment(cid: int, uid: int, fid: int) -> Response:
    """An attachment of the unit's application: PDFs and images open in the browser, the rest download."""
    current = sheets.my_sheet(current_actor(), sheets.campaign_row(cid), uid)
    application = peek_application(current.unit)
    stored = db.session.get(StoredFile, fid)
    if (
        stored is None
        or application is None
        or stored.application_id != application.id
        or stored.purpose != "attachment"
    ):
        raise NotFound()
    return files.send_stored(stored, inline=stored.content_type in INLINE_TYPES)
