"""A campaign with a 测评体系 for the assessment tests: the small hand-computed tree, two accepted
units (甲 with a report and an attachment, 乙), three reviewers (张 and 李 assigned to both units, 王
who works for 甲), a unit login of 甲, the office — each with a bearer token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evalflow.extensions import db
from evalflow.intake.models import ApplicationStatus
from evalflow.shared.access import Role
from evalflow.shared.accounts.models import User
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.phases import Phase
from tests import factories
from tests.assessment_trees import small_data
from tests.factories import bearer


@dataclass
class World:
    campaign: Campaign
    a: Unit
    b: Unit
    users: dict[str, User]
    tokens: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        """``office``, ``zhang``, ``li``, ``wang`` (works for 甲), ``unit`` (甲's login)."""
        return bearer(self.tokens[who])

    @property
    def cid(self) -> int:
        return self.campaign.id

    def sheet_url(self, unit: Unit | None = None) -> str:
        return f"/api/v1/campaigns/{self.cid}/units/{(unit or self.a).id}/materials-sheet"


def build(
    phase: Phase = Phase.TRAINING,
    tree: dict[str, Any] | None = None,
    *,
    with_tree: bool = True,
    assign: bool = True,
) -> World:
    """*tree*: an API body (default: ``small_data()``); ``with_tree=False``: the office has set none."""
    campaign = factories.campaign("2026年度测评", phase=phase)
    a = factories.unit(campaign, "甲社区", ApplicationStatus.ACCEPTED, report=True)
    b = factories.unit(campaign, "乙社区", ApplicationStatus.ACCEPTED, report=True)
    users = {
        "office": factories.office(),
        "zhang": factories.reviewer("zhang", "张评审"),
        "li": factories.reviewer("li", "李评审"),
        "wang": factories.reviewer("wang", "王评审", works_for=a),
        "unit": factories.user("unit-a", Role.UNIT, a),
    }
    if with_tree:
        factories.indicators(campaign, tree if tree is not None else small_data())
    if assign:
        for name in ("zhang", "li"):
            for unit in (a, b):
                factories.assignment(unit, users[name])
    db.session.flush()
    tokens = {name: factories.token(user) for name, user in users.items()}
    db.session.commit()
    return World(campaign, a, b, users, tokens)


def set_phase(world: World, phase: Phase) -> None:
    world.campaign.phase = phase
    db.session.commit()


def multipart(content: bytes, name: str = "测评体系.xlsx") -> tuple[bytes, str]:
    """A prebuilt multipart body with one ``file`` (the test client would spool a large one to an
    unclosed temporary file of its own) and its content type."""
    boundary = "evalflow-assessment-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"
