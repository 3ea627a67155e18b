"""Human words for audit actions, shown in the office's activity log (unknown codes show as is)."""

from __future__ import annotations

from ..domain.messages import N_
from ..domain.phases import Phase
from ..i18n import tr

AUDIT_ACTIONS = {
    "campaign.create": N_("创建评选活动"),
    "campaign.update": N_("修改评选活动"),
    "campaign.transition": N_("变更阶段"),
    "account.create_admin": N_("创建文明办账号"),
    "account.logout": N_("退出登录"),
    "account.disable": N_("停用账号"),
    "account.enable": N_("启用账号"),
    "account.create_office": N_("创建文明办账号"),
    "tally.settings": N_("修改计分方法与偏差提示阈值"),
    "tally.seal": N_("封存选票"),
    "proposal.set": N_("确定拟表彰对象"),
    "proposal.add_below_cut": N_("排名线以下列入拟表彰对象"),
    "proposal.skip": N_("未列入按排名应入选的单位"),
}


def audit_action(code: str) -> str:
    label = AUDIT_ACTIONS.get(code)
    return tr(label) if label else code


def _state_labels(action: str) -> dict[str, str]:
    """The words for the states an audited action moves between, chosen by what it acts on."""
    from ..domain.intake import STATUS_LABELS
    from ..domain.training import AttendanceStatus

    if action == "campaign.transition":
        return {phase.value: phase.label for phase in Phase}
    if action.startswith("application."):
        return {status.value: label for status, label in STATUS_LABELS.items()}
    if action.startswith("attendance."):
        return {status.value: status.label for status in AttendanceStatus}
    return {}


def state_label(value: str | None, action: str = "") -> str:
    """A logged state in words (phases, application statuses, attendance); else as stored."""
    label = _state_labels(action).get(value or "")
    return tr(label) if label else (value or "")
