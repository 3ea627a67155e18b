"""WTForms of the training (schedule, materials, attendance, check-in, Q&A). Rules are checked in the
domain (``training/rules.py``), the same for the API and these forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Optional

from evalflow.shared.web.forms import SafeForm
from evalflow.training.rules import CHECKIN_DEFAULT_MINUTES


class ScheduleForm(SafeForm):
    starts_at = StringField(_l("日期和时间"), validators=[Optional()])
    place = StringField(_l("地点"), validators=[Optional()])
    agenda = TextAreaField(_l("培训内容(每行一项)"), validators=[Optional()])


class MaterialForm(SafeForm):
    file = FileField(_l("培训资料(PDF、Word、图片)"))


class AttendanceForm(SafeForm):
    # Radio buttons in the template; the value is checked by the domain rule.
    status = StringField(_l("状态"), default="attended")
    note = StringField(_l("说明(请假必填)"), validators=[Optional()])


class CheckinForm(SafeForm):
    # Text, not IntegerField: the domain rule parses it (same as the API) and says what is wrong.
    minutes = StringField(_l("有效时间(分钟)"), default=str(CHECKIN_DEFAULT_MINUTES), validators=[Optional()])


class FaqForm(SafeForm):
    question = TextAreaField(_l("问题"), validators=[Optional()])
    answer = TextAreaField(_l("解答"), validators=[Optional()])


class AskForm(SafeForm):
    question = TextAreaField(_l("您的问题"), validators=[Optional()])


class AnswerForm(SafeForm):
    entry = HiddenField()
    answer = TextAreaField(_l("解答"), validators=[Optional()])
