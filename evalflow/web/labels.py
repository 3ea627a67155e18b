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
}


def audit_action(code: str) -> str:
    label = AUDIT_ACTIONS.get(code)
    return tr(label) if label else code


def phase_label(value: str | None) -> str:
    try:
        return tr(Phase(value).label)
    except ValueError:
        return value or ""
