"""WTForms of report intake (units, applications, review, veto). Rules are checked again in services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from evalflow.intake.rules import (
    MAX_CATEGORY,
    MAX_COMMENT,
    MAX_CONTACT,
    MAX_DEADLINE_REASON,
    MAX_PHONE,
    MAX_REPORT,
    MAX_TITLE,
    MAX_UNIT_NAME,
    MAX_VETO_DESCRIPTION,
    MAX_WITHDRAWAL_REASON,
)
from evalflow.shared.accounts.rules import MAX_USERNAME
from evalflow.shared.web.forms import IdSelectField, SafeForm


class UnitForm(SafeForm):
    name = StringField(
        _l("单位名称"), validators=[DataRequired(_l("请填写单位名称。")), Length(max=MAX_UNIT_NAME)]
    )
    category = StringField(_l("类别"), validators=[Optional(), Length(max=MAX_CATEGORY)])
    contact_name = StringField(_l("联系人"), validators=[Optional(), Length(max=MAX_CONTACT)])
    contact_phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=MAX_PHONE)])


class RegistrationForm(UnitForm):
    campaign = IdSelectField(_l("申报的评选活动"))
    username = StringField(
        _l("登录用户名"), validators=[DataRequired(_l("请填写用户名。")), Length(max=MAX_USERNAME)]
    )
    password = PasswordField(_l("密码(至少 10 位)"), validators=[DataRequired(_l("请填写密码。"))])


class FileForm(SafeForm):
    file = FileField(_l("文件"))


class ApplicationForm(SafeForm):
    report_title = StringField(_l("汇报材料标题"), validators=[Optional(), Length(max=MAX_TITLE)])
    report_text = TextAreaField(_l("汇报材料正文"), validators=[Optional(), Length(max=MAX_REPORT)])


class ReviewForm(SafeForm):
    decision = RadioField(
        _l("审核结论"),
        choices=[
            SelectChoice("accept", _l("通过")),
            SelectChoice("return", _l("退回修改")),
            SelectChoice("reject", _l("不予通过")),
        ],
        validators=[DataRequired(_l("请选择审核结论。"))],
    )
    comment = TextAreaField(
        _l("审核意见(退回或不予通过时必填)"), validators=[Optional(), Length(max=MAX_COMMENT)]
    )


class VetoForm(SafeForm):
    kind = SelectField(_l("否决事项类型"), validators=[DataRequired(_l("请选择类型。"))])
    occurred_on = DateField(_l("发生日期"), validators=[DataRequired(_l("请填写发生日期。"))])
    description = TextAreaField(
        _l("情况说明"), validators=[DataRequired(_l("请填写情况说明。")), Length(max=MAX_VETO_DESCRIPTION)]
    )
    evidence = FileField(_l("证明材料(可选)"))


class VetoWithdrawForm(SafeForm):
    reason = StringField(
        _l("撤销原因"), validators=[DataRequired(_l("请填写撤销原因。")), Length(max=MAX_WITHDRAWAL_REASON)]
    )


class DeadlineForm(SafeForm):
    deadline = DateField(_l("申报截止日期"), validators=[Optional()])
    reason = StringField(_l("调整原因"), validators=[Optional(), Length(max=MAX_DEADLINE_REASON)])
