"""The applicant unit's portal (申报单位): its campaign, its application, the shared Q&A."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from ..extensions import db
from ..models import Campaign, Unit
from .decorators import unit_only

bp = Blueprint("unit", __name__, url_prefix="/unit")


@bp.route("/")
@unit_only
def home() -> str:
    unit = db.session.get(Unit, current_user.unit_id)
    campaign = db.session.get(Campaign, unit.campaign_id) if unit else None
    return render_template("unit/home.html", unit=unit, campaign=campaign)
