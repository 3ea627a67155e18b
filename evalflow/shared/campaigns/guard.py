"""The one place where a finished campaign refuses writes, for the API and the HTML forms alike.

Any write (POST, PUT, PATCH, DELETE) to a route that names a campaign ``cid`` whose phase is
``final`` is 409 ``wrong_phase``. HTML requests are checked before their view (an app-wide
``before_request``); API requests right after the caller is authenticated (``api/common``), so a
seat's card token, whose lookup already reads its campaign's phase and scale, costs no second
query: the ballot per tap at the briefing reads its campaign once.
"""

from __future__ import annotations

from flask import Flask, g, request

from evalflow.shared.access import read_only
from evalflow.shared.campaigns import service as campaigns
from evalflow.shared.errors import WrongPhase
from evalflow.shared.messages import N_, msg

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# A finished campaign still moves through its own machine (which has no way out of ``final``).
EXEMPT = {"api.transition", "office.transition"}


def refuse_writes_after_final() -> None:
    """409 for a write aimed at a ``final`` campaign. Keeps the campaign's facts for the request
    (``g.campaign_facts``): the ballot takes its campaign's phase and scale from that same row."""
    if request.method not in UNSAFE or request.endpoint in EXEMPT:
        return
    cid = (request.view_args or {}).get("cid")
    if cid is None:
        return
    g.campaign_facts = found = campaigns.facts(cid, known=g.get("campaign_facts"))
    if found is not None and read_only(found.phase):
        raise WrongPhase(msg(N_("评选已审定表彰,活动已归档,只能查看,不能再修改。")))


def register_write_guard(app: Flask) -> None:
    """HTML requests: before every view. API requests call :func:`refuse_writes_after_final` after
    authentication (api/common.authenticate_request)."""

    @app.before_request
    def guard_html_writes() -> None:
        if request.blueprint != "api":
            refuse_writes_after_final()
