"""WTForms of the office's desk: a campaign, its scale (评定表), a phase change."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DecimalField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from evalflow.shared.campaigns.rules import (
    DEFAULT_NOTICE_DAYS,
    MAX_DESCRIPTION,
    MAX_NOTICE_DAYS,
    MAX_REASON,
    MAX_TITLE,
    MIN_NOTICE_DAYS,
)
from evalflow.shared.campaigns.scale import MAX_CRITERIA, MAX_LABEL, MAX_POINTS
from evalflow.shared.web.forms import SafeForm, SafeSubForm


class CampaignForm(SafeForm):
    title = StringField(_l("标题"), validators=[DataRequired(_l("请填写标题。")), Length(max=MAX_TITLE)])
    description = TextAreaField(_l("说明"), validators=[Optional(), Length(max=MAX_DESCRIPTION)])
    notice_working_days = IntegerField(
        _l("公示期(工作日)"),
        default=DEFAULT_NOTICE_DAYS,
        validators=[
            InputRequired(_l("请填写公示期。")),
            NumberRange(MIN_NOTICE_DAYS, MAX_NOTICE_DAYS, _l("公示期须在 1 到 60 个工作日之间。")),
        ],
    )


class GradeForm(SafeSubForm):
    label = StringField(_l("档次"), validators=[Optional(), Length(max=MAX_LABEL)])
    points = DecimalField(_l("分值"), validators=[Optional(), NumberRange(0, MAX_POINTS)])
    criteria = TextAreaField(_l("评定条件"), validators=[Optional(), Length(max=MAX_CRITERIA)])


class ScaleForm(SafeForm):
    grades = FieldList(FormField(GradeForm), min_entries=1)


class TransitionForm(SafeForm):
    to = HiddenField(validators=[DataRequired()])
    reason = StringField(_l("说明(可选)"), validators=[Optional(), Length(max=MAX_REASON)])
