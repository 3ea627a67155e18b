"""WTForms of the notice pages (labels translatable; the rules are checked again in the services)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    DateField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from evalflow.notice import rules
from evalflow.shared.web.forms import IdMultipleField, IdSelectField, SafeForm
from evalflow.shared.workdays import MAX_NOTE


class MultiCheckboxField(IdMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class NoticeForm(SafeForm):
    unit_ids = MultiCheckboxField(_l("列入公示的单位"), validate_choice=False)
    title = StringField(_l("公示标题"), validators=[Optional(), Length(max=rules.MAX_TITLE)])
    starts_on = DateField(_l("公示开始日期(留空:发布当天)"), validators=[Optional()])
    phone = StringField(
        _l("受理电话"), validators=[DataRequired(_l("请填写受理电话。")), Length(max=rules.MAX_PHONE)]
    )
    email = StringField(
        _l("电子邮箱"), validators=[DataRequired(_l("请填写电子邮箱。")), Length(max=rules.MAX_EMAIL)]
    )
    address = StringField(
        _l("通信地址"), validators=[DataRequired(_l("请填写通信地址。")), Length(max=rules.MAX_ADDRESS)]
    )
    postcode = StringField(
        _l("邮政编码"), validators=[DataRequired(_l("请填写邮政编码。")), Length(max=rules.POSTCODE_LENGTH)]
    )


class ObjectionForm(SafeForm):
    kind = RadioField(
        _l("异议人"),
        choices=[SelectChoice("individual", _l("个人")), SelectChoice("unit", _l("单位"))],
        default="individual",
        validators=[DataRequired()],
    )
    unit_id = IdSelectField(_l("对哪个单位提出异议"), validate_choice=False)
    name = StringField(_l("真实姓名(单位请填写单位全称)"), validators=[Length(max=rules.MAX_NAME)])
    contact_name = StringField(_l("联系人(单位提出异议时填写)"), validators=[Length(max=rules.MAX_NAME)])
    phone = StringField(_l("联系电话"), validators=[Length(max=rules.MAX_PHONE)])
    email = StringField(_l("电子邮箱(可选)"), validators=[Optional(), Length(max=rules.MAX_EMAIL)])
    content = TextAreaField(_l("异议内容(请写明具体事实)"), validators=[Length(max=rules.MAX_CONTENT)])
    seal = FileField(_l("加盖公章的扫描件或照片(单位提出异议时必填,JPG/PNG)"))
    evidence = MultipleFileField(_l("证明材料(可选,最多 5 个:PDF、Word、图片)"))


class ExtraDayForm(SafeForm):
    day = DateField(_l("日期"), validators=[DataRequired(_l("请填写日期。"))])
    is_workday = SelectField(
        _l("类型"),
        choices=[SelectChoice("0", _l("放假(不计工作日)")), SelectChoice("1", _l("调休上班(计为工作日)"))],
        default="0",
    )
    note = StringField(_l("说明"), validators=[Optional(), Length(max=MAX_NOTE)])


class ResolveForm(SafeForm):
    outcome = RadioField(
        _l("处理结果"),
        choices=[
            SelectChoice("dismissed", _l("异议不成立")),
            SelectChoice("upheld", _l("异议成立(该单位不予表彰)")),
        ],
        validators=[DataRequired(_l("请选择处理结果。"))],
    )
    reply = TextAreaField(
        _l("答复意见"), validators=[DataRequired(_l("请填写答复意见。")), Length(max=rules.MAX_REPLY)]
    )


class InvestigateForm(SafeForm):
    note = StringField(
        _l("核查安排(可选)"), validators=[Optional(), Length(max=rules.MAX_INVESTIGATION_NOTE)]
    )


class ReceiptForm(SafeForm):
    class Meta:
        csrf = False

    receipt = StringField(
        _l("回执编号"), validators=[DataRequired(_l("请填写回执编号。")), Length(max=rules.MAX_RECEIPT)]
    )
