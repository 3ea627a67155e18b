"""The office's 测评体系 page: the tree as an editable table with live totals (``static/assessment.js``),
the scoring settings, the workbook (template, export, import) and starting from a default or an earlier
campaign's tree. Thin views over :mod:`.tree`; the rows are read by :mod:`.tree_form`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectChoice

from evalflow.assessment import tree, tree_form
from evalflow.assessment.api import XLSX
from evalflow.assessment.forms import CopyForm, DefaultForm, UploadForm
from evalflow.assessment.rules import MAX_CRITERIA, TIE_LABELS, Kind, Method, Mode, Tree
from evalflow.assessment.tree_rows import load_tree
from evalflow.assessment.workbook import template
from evalflow.assessment.xlsx_guard import MAX_FILE_BYTES
from evalflow.shared.access import Action, can
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.errors import DomainError, InvalidInput
from evalflow.shared.files import store as files
from evalflow.shared.i18n import tr, tr_all
from evalflow.shared.messages import N_, msg
from evalflow.shared.web import current_actor
from evalflow.shared.web.decorators import office_only
from evalflow.shared.web.feedback import attempt, flash_failure, flash_stale
from evalflow.shared.web.forms import EmptyForm

bp = Blueprint("assessment", __name__, url_prefix="/office/campaigns/<int:cid>/assessment")


def _campaign(cid: int) -> Campaign:
    return campaigns.get_campaign(current_actor(), cid)


def _back(cid: int) -> BaseResponse:
    return redirect(url_for("assessment.indicators", cid=cid))


def _categories() -> list[SelectChoice]:
    return [SelectChoice(c, tr(tree.DEFAULT_LABELS[c])) for c in tree.DEFAULT_CATEGORIES]


def _campaigns(campaign: Campaign) -> list[SelectChoice]:
    return [SelectChoice(str(c.id), c.title) for c in tree.trees_to_copy(current_actor(), campaign)]


def _side_forms(campaign: Campaign) -> dict[str, Any]:
    default = DefaultForm(formdata=None)
    default.category.choices = _categories()
    copy = CopyForm(formdata=None)
    copy.campaign.choices = _campaigns(campaign)
    return {"default_form": default, "copy_form": copy, "upload_form": UploadForm(formdata=None)}


def _render(
    campaign: Campaign,
    stored: Tree | None,
    rows: list[dict[str, str]],
    settings: dict[str, str],
    categories: list[dict[str, str]],
    errors: tree_form.FormErrors | None = None,
) -> str:
    actor = current_actor()
    frozen = tree.frozen_reasons(campaign.id, stored)
    editable = can(actor, Action.INDICATORS_EDIT, phase=campaign.phase) and not frozen
    return render_template(
        "office/assessment_tree.html",
        campaign=campaign,
        stored=stored,
        rows=rows + [dict.fromkeys(tree_form.COLUMNS, "") for _ in range(3 if editable else 0)],
        settings=settings,
        categories=categories,
        errors=_shown(errors or tree_form.FormErrors()),
        frozen=[tr(r) for r in frozen],
        editable=editable,
        form=EmptyForm(),
        methods=list(Method),
        kinds=list(Kind),
        modes=list(Mode),
        tie_names="、".join(tr(label) for label in TIE_LABELS.values()),
        max_criteria=MAX_CRITERIA,
        max_upload=MAX_FILE_BYTES,
        totals=stored.totals() if stored else None,
        **_side_forms(campaign),
    )


def _shown(errors: tree_form.FormErrors) -> tree_form.FormErrors:
    """The problems in the user's language (templates show text, they translate nothing)."""
    return tree_form.FormErrors(
        {place: tr_all(found) for place, found in errors.cells.items()},
        {name: tr_all(found) for name, found in errors.settings.items()},
        tr_all(errors.general),  # type: ignore[arg-type]
    )


@bp.route("/indicators", methods=["GET"])
@office_only
def indicators(cid: int) -> str:
    campaign = _campaign(cid)
    stored = tree.get_tree(current_actor(), campaign)
    settings = stored.settings if stored else None
    return _render(
        campaign,
        stored,
        tree_form.rows_of_tree(stored),
        tree_form.settings_of(settings),
        tree_form.categories_of(settings),
    )


def _posted() -> tuple[list[dict[str, str]], dict[str, str], list[dict[str, str]]]:
    form = request.form
    rows = tree_form.form_rows({key: form.getlist(key) for key in tree_form.COLUMNS})
    settings = {name: form.get(name, "") for name in tree_form.SETTING_FIELDS}
    settings.update({f"weight_{m.value}": form.get(f"weight_{m.value}", "") for m in Method})
    names, thresholds, quotas = (form.getlist(f"category_{k}") for k in ("name", "threshold", "quota"))
    categories = [
        {"name": name, "threshold": t, "quota": q}
        for name, t, q in zip(names, thresholds, quotas, strict=False)
    ][: tree_form.MAX_FORM_ROWS]
    return rows, settings, categories


@bp.route("/indicators", methods=["POST"])
@office_only
def save_indicators(cid: int) -> str | BaseResponse | tuple[str, int]:
    """Save the table: every problem is shown on its row, and the user's input is kept."""
    campaign = _campaign(cid)
    if not EmptyForm().validate_on_submit():
        flash_stale()
        return _back(cid)
    try:
        rows, settings, categories = _posted()
    except InvalidInput as exc:
        flash_failure(exc)
        return _back(cid)
    found = tree_form.read_form(rows, settings, categories)
    if isinstance(found, tree_form.FormErrors):
        flash(_("测评体系有误,请按提示修改后再保存。"), "error")
        return _render(campaign, load_tree(cid), rows, settings, categories, found), 400
    try:
        tree.save_tree(current_actor(), campaign, found, source="page")
    except DomainError as exc:
        flash_failure(exc)
        return _render(campaign, load_tree(cid), rows, settings, categories), 409
    flash(_("测评体系已保存。"), "success")
    return _back(cid)


@bp.route("/indicators/import", methods=["POST"])
@office_only
def import_indicators(cid: int) -> BaseResponse:
    form = UploadForm()
    if form.validate_on_submit():
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash_failure(InvalidInput(msg(N_("请选择要上传的文件。"))))
        else:
            content = upload.stream.read(MAX_FILE_BYTES + 1)
            attempt(
                lambda: tree.import_workbook(current_actor(), _campaign(cid), content),
                _("已从工作簿导入测评体系。"),
            )
    else:
        flash_stale()
    return _back(cid)


@bp.route("/indicators.xlsx")
@office_only
def indicators_xlsx(cid: int) -> Response:
    return files.send_bytes(
        tree.export_workbook(current_actor(), _campaign(cid)), XLSX, f"indicators-{cid}.xlsx"
    )


@bp.route("/indicators/template.xlsx")
@office_only
def indicators_template(cid: int) -> Response:
    _campaign(cid)
    return files.send_bytes(template(), XLSX, "indicators-template.xlsx")


@bp.route("/indicators/copy", methods=["POST"])
@office_only
def copy_indicators(cid: int) -> BaseResponse:
    campaign = _campaign(cid)
    form = CopyForm()
    form.campaign.choices = _campaigns(campaign)
    if form.validate_on_submit():
        attempt(
            lambda: tree.copy_from(current_actor(), campaign, form.campaign.data),
            _("已从所选评选活动复制测评体系。"),
        )
    else:
        flash(" ".join(e for errs in form.errors.values() for e in errs) or _("请选择评选活动。"), "error")
    return _back(cid)


@bp.route("/indicators/default", methods=["POST"])
@office_only
def default_indicators(cid: int) -> BaseResponse:
    campaign = _campaign(cid)
    form = DefaultForm()
    form.category.choices = _categories()
    if form.validate_on_submit():
        attempt(
            lambda: tree.from_default(current_actor(), campaign, form.category.data),
            _("已套用默认测评体系,请按本地实际修改。"),
        )
    else:
        flash(_("请选择单位类别。"), "error")
    return _back(cid)
