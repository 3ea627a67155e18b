"""Human words for audit actions, shown in the office's activity log (unknown codes show as is).

Every action a service records (``audit.record(actor, "topic.verb", ...)``) gets its label here, in
this one dict: a new use case adds its line below, grouped by topic
(``tests/unit/test_docs_are_true.py`` fails on a recorded action without one).
"""

from __future__ import annotations

from evalflow.shared.i18n import tr
from evalflow.shared.messages import N_
from evalflow.shared.phases import Phase

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
    "composite.seal": N_("封存综合测评数据"),
    "proposal.set": N_("确定拟表彰对象"),
    "proposal.add_below_cut": N_("排名线以下列入拟表彰对象"),
    "proposal.skip": N_("未列入按排名应入选的单位"),
    # report intake
    "unit.create": N_("添加申报单位"),
    "unit.password_reset": N_("重置单位密码"),
    "account.password_reset": N_("重置密码(旧会话失效)"),
    "unit.register": N_("单位自行注册"),
    "unit.registration_approved": N_("批准单位注册"),
    "unit.registration_declined": N_("拒绝单位注册"),
    "application.attach": N_("上传附件"),
    "application.detach": N_("删除附件"),
    "application.import_docx": N_("从 Word 文件导入汇报材料"),
    "application.submit": N_("提交申报材料"),
    "application.review": N_("审核申报材料"),
    "application.veto_reject": N_("因一票否决撤销审核通过"),
    "campaign.intake_deadline": N_("调整申报截止日期"),
    "veto.record": N_("记录一票否决事项"),
    "veto.withdraw": N_("撤销一票否决事项"),
    # training and the shared Q&A
    "training.schedule": N_("保存培训安排"),
    "training.material_add": N_("上传培训资料"),
    "training.material_remove": N_("删除培训资料"),
    "training.checkin_open": N_("开启现场签到"),
    "training.checkin_close": N_("结束现场签到"),
    "attendance.mark": N_("登记培训签到"),
    "faq.add": N_("发布培训问答"),
    "faq.ask": N_("单位在线提问"),
    "faq.answer": N_("解答问题"),
    # seats
    "seat.create": N_("登记参会代表"),
    "seat.rename": N_("更正代表姓名"),
    "seat.reissue": N_("补发代表证"),
    "seat.cards": N_("打印代表证"),
    # the briefing
    "briefing.order": N_("设定汇报顺序"),
    "briefing.draw": N_("抽签确定汇报顺序"),
    "presentation.open": N_("开放评分"),
    "presentation.close": N_("结束评分"),
    "ballot.cast": N_("评分"),
    "ballot.change": N_("更改评分"),
    "ballot.paper": N_("录入纸质评分"),
    "paper.entry": N_("录入纸质评定表"),
    # the notice, its calendar and objections
    "calendar.set": N_("录入节假日或调休上班日"),
    "calendar.delete": N_("删除节假日或调休上班日"),
    "notice.create": N_("保存公示草稿"),
    "objection.file": N_("提出异议"),
    "objection.investigate": N_("异议转入调查核实"),
    "objection.resolve": N_("答复异议"),
    # the 测评体系: accounts, the tree, reviewers, sheets, divergences, closed sources
    "account.create_reviewer": N_("创建评审专家账号"),
    "account.create_inspector": N_("创建考察组成员账号"),
    "indicators.save": N_("保存测评体系"),
    "reviewers.assign": N_("分配材料审核评审专家"),
    "reviewers.conflicts": N_("登记评审专家回避"),
    "sheet.save": N_("保存材料审核评分"),
    "sheet.submit": N_("提交材料审核评分表"),
    "divergence.decide": N_("认定分歧条目的得分"),
    "divergence.third_reviewer": N_("请第三位评审专家"),
    "source.close": N_("关闭测评来源"),
    "source.reopen": N_("重新开放测评来源"),
    # 实地考察
    "inspection.team_create": N_("组建考察组"),
    "inspection.team_delete": N_("删除考察组"),
    "inspection.conflict_declare": N_("登记考察回避关系"),
    "inspection.conflict_remove": N_("撤销考察回避关系"),
    "inspection.visit_create": N_("安排实地考察"),
    "inspection.visit_move": N_("调整实地考察时间"),
    "inspection.visit_cancel": N_("取消实地考察"),
    "inspection.sheet_save": N_("填写实地考察评分表"),
    "inspection.sheet_submit": N_("提交实地考察评分表"),
    "inspection.sheet_return": N_("组长退回实地考察评分表"),
    "inspection.photo_add": N_("上传考察照片"),
    "inspection.sign": N_("组长签字确认实地考察"),
    "inspection.amend": N_("签字后修改实地考察评分(文明办)"),
    # 问卷调查 and 征求意见
    "survey.set": N_("设置问卷"),
    "survey.codes": N_("生成问卷调查码"),
    "survey.invalidate": N_("作废问卷"),
    "survey.department_add": N_("添加征求意见部门"),
    "survey.opinion": N_("部门反馈意见"),
    "survey.case_decide": N_("处理部门反映的问题"),
    "survey.paper_key": N_("录入纸质问卷"),
}


def audit_action(code: str) -> str:
    label = AUDIT_ACTIONS.get(code)
    return tr(label) if label else code


def _state_labels(action: str) -> dict[str, str]:
    """The words for the states an audited action moves between, chosen by what it acts on."""
    from evalflow.intake.rules import REGISTRATION_LABELS, STATUS_LABELS
    from evalflow.training.rules import AttendanceStatus

    if action == "campaign.transition":
        return {phase.value: phase.label for phase in Phase}
    if action.startswith("application."):
        return {status.value: label for status, label in STATUS_LABELS.items()}
    if action.startswith("unit.registration_"):
        return {state.value: label for state, label in REGISTRATION_LABELS.items()}
    if action.startswith("attendance."):
        return {status.value: status.label for status in AttendanceStatus}
    return {}


def state_label(value: str | None, action: str = "") -> str:
    """A logged state in words (phases, application statuses, attendance); else as stored."""
    label = _state_labels(action).get(value or "")
    return tr(label) if label else (value or "")
