"""Public pages of the notice phase (no login, phone friendly): the notice, its PDF, the Atom feed,
the objection form, the receipt status page, and the commendation list once the campaign is final.
"""

from __future__ import annotations

import math
import time

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_limiter.util import get_remote_address
from limits import parse as parse_limit
from wtforms import SelectChoice

from evalflow.extensions import limiter
from evalflow.notice import commendation, objections, rules
from evalflow.notice import documents as notice_docs
from evalflow.notice import service as svc
from evalflow.notice.forms import ObjectionForm, ReceiptForm
from evalflow.shared import bounds
from evalflow.shared.errors import DomainError
from evalflow.shared.files import store as files
from evalflow.shared.i18n import tr
from evalflow.shared.messages import N_, msg
from evalflow.shared.web.feedback import place_on_form

bp = Blueprint("notices", __name__)

# At most 10 objection posts per client address per minute, HTML form and API together; every post
# counts, whatever its outcome (it is counted before the body is even read). The count lives in the
# limiter's storage: Redis when REDIS_URL is set, so every server process shares it.
OBJECTION_RATE = parse_limit("10/minute")
OBJECTION_SCOPE = "objection-posts"
OBJECTION_ENDPOINTS = {"notices.objection_form", "api.post_objection", "api.post_objection_upload"}


class RateLimited(DomainError):
    code, status, default = "rate_limited", 429, N_("请求过于频繁,请稍后再试。")


@bp.before_app_request
def count_objection_posts() -> None:
    if request.method != "POST" or request.endpoint not in OBJECTION_ENDPOINTS:
        return
    if not (limiter.enabled and current_app.config.get("RATELIMIT_ENABLED", True)):
        return
    if not limiter.limiter.hit(OBJECTION_RATE, *_objection_key()):
        raise RateLimited(msg(N_("提交过于频繁:同一网络地址每分钟最多提交 10 次异议,请一分钟后再试。")))


def _objection_key() -> tuple[str, str, str]:
    prefix = str(current_app.config.get("RATELIMIT_KEY_PREFIX") or "")
    return prefix, OBJECTION_SCOPE, get_remote_address()


@bp.after_app_request
def retry_after(response: Response) -> Response:
    """A refused objection post says when the next one will be accepted (``Retry-After``, seconds)."""
    if response.status_code == 429 and request.endpoint in OBJECTION_ENDPOINTS:
        reset_at, _ = limiter.limiter.get_window_stats(OBJECTION_RATE, *_objection_key())
        response.headers["Retry-After"] = str(max(1, math.ceil(reset_at - time.time())))
    return response


@bp.route("/notices/<int:nid>")
def notice_page(nid: int) -> str:
    item = svc.public_notice(nid)
    return render_template(
        "public/notice.html",
        notice=item,
        text=notice_docs.notice_text(item, gettext),
        groups=svc.grouped(svc.units_of(item)),
        status=svc.status(item),
        status_labels=rules.NOTICE_STATUS_LABELS,
    )


@bp.route("/notices/<int:nid>.pdf")
def notice_pdf(nid: int) -> Response:
    item = svc.public_notice(nid)
    return files.send_pdf(notice_docs.notice_pdf(item), f"notice-{item.id}.pdf", inline=True)


@bp.route("/notices/feed.atom")
def feed() -> Response:
    return Response(notice_docs.atom_feed(), mimetype="application/atom+xml")


def _objection_data(form: ObjectionForm) -> dict[str, object]:
    return {k: form[k].data for k in ("kind", "unit_id", "name", "contact_name", "phone", "email", "content")}


@bp.route("/notices/<int:nid>/objections/new", methods=["GET", "POST"])
def objection_form(nid: int) -> str | tuple[str, int] | Response:
    item = svc.public_notice(nid)
    units = svc.units_of(item)
    form = ObjectionForm()
    form.unit_id.choices = [SelectChoice(u.id, u.name) for u in units]
    if request.method == "GET":
        form.unit_id.data = bounds.parse_id(request.args.get("unit"))
    reasons: list[str] = []
    status = 200
    if form.validate_on_submit():
        try:
            objection = objections.file_objection(
                nid, _objection_data(form), seal=form.seal.data, evidence=request.files.getlist("evidence")
            )
        except DomainError as exc:
            status, reasons = exc.status, place_on_form(form, exc)
        else:
            return redirect(url_for("notices.objection_status", receipt=objection.receipt, new=1))
    if form.errors and status == 200:
        status = 400
    return render_template(
        "public/objection_form.html", notice=item, form=form, reasons=reasons, status=svc.status(item),
        refused=tr(rules.ANONYMOUS_REFUSED),
    ), status  # fmt: skip


@bp.route("/objections", methods=["GET"])
def objection_lookup() -> str | Response:
    form = ReceiptForm(request.args)
    if request.args and form.validate():
        return redirect(url_for("notices.objection_status", receipt=form.receipt.data.strip()))
    return render_template("public/objection_lookup.html", form=form)


@bp.route("/objections/<receipt>")
def objection_status(receipt: str) -> str:
    view = objections.by_receipt(receipt)
    return render_template(
        "public/objection_status.html",
        view=view,
        labels=rules.STATE_LABELS,
        new=bool(request.args.get("new")),
    )


@bp.route("/commendations/<int:cid>")
def commendation_page(cid: int) -> str:
    campaign, units = commendation.public_commendation(cid)
    return render_template(
        "public/commendation.html",
        campaign=campaign,
        title=notice_docs.commendation_title(campaign),
        groups=svc.grouped(units),
        count=len(units),
        notice=commendation.final_notice(campaign),
    )


@bp.route("/commendations/<int:cid>.pdf")
def commendation_pdf(cid: int) -> Response:
    campaign, units = commendation.public_commendation(cid)
    pdf = notice_docs.commendation_pdf(campaign, units)
    return files.send_pdf(pdf, f"commendation-{campaign.id}.pdf", inline=True)
