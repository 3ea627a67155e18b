"""The demo campaign, built through the services so it obeys the same rules as real use.

Idempotent: a campaign with the demo title is created once; later runs only report what exists.
"""

from __future__ import annotations

import sqlalchemy as sa

from evalflow.demo import (
    briefing as demo_briefing,
)
from evalflow.demo import (
    inspection as demo_inspection,
)
from evalflow.demo import (
    intake as demo_intake,
)
from evalflow.demo import (
    notice as demo_notice,
)
from evalflow.demo import (
    review as demo_review,
)
from evalflow.demo import (
    survey as demo_survey,
)
from evalflow.demo import (
    tally as demo_tally,
)
from evalflow.demo import (
    training as demo_training,
)
from evalflow.extensions import db
from evalflow.shared.access import Actor, Role
from evalflow.shared.accounts import service as accounts
from evalflow.shared.accounts.models import User
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.campaigns import transitions as phases
from evalflow.shared.campaigns.models import Campaign
from evalflow.shared.phases import Phase

DEMO_TITLE = "2026年度社区文明单位评选(演示)"
DEMO_DESCRIPTION = (
    "本着“公平、公开、公正”的原则,采取申报单位集中培训、集中听取汇报开展互评、拟表彰对象媒体公示等方式,"
    "把评选表彰工作打造成“阳光工程”。"
)


def _admin(password: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.username == "admin"))
    return user or accounts.create_admin("admin", password)


def load_demo(admin_password: str) -> list[str]:
    admin = _admin(admin_password)
    actor = Actor(Role.OFFICE, user_id=admin.id, label="demo")
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.title == DEMO_TITLE))
    if campaign is None:
        campaign = campaigns.create_campaign(actor, {"title": DEMO_TITLE, "description": DEMO_DESCRIPTION})
        phases.advance_phase(actor, campaign, Phase.INTAKE, "演示数据")
    lines = demo_intake.load(actor, campaign, admin_password) if campaign.phase is Phase.INTAKE else []
    return [
        f"demo campaign #{campaign.id}: {campaign.title} ({campaign.phase.value})",
        "office login: admin (password from EVALFLOW_DEMO_PASSWORD, default evalflow-demo)",
        *lines,
        *demo_training.load(actor, admin_password),
        *demo_briefing.load(actor),
        *demo_tally.load(actor),
        *demo_notice.load(actor),
        *demo_inspection.load(actor, admin_password),
        *demo_review.load(actor, admin_password),
        *demo_survey.load(actor, admin_password),
    ]
