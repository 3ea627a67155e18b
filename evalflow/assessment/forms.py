"""WTForms of the 测评体系's pages: the workbook upload, starting from a default or an earlier tree,
assigning reviewers' conflicts, and resolving a divergent leaf. The tree editor's rows are read by
:mod:`.tree_form` (one value per row for each column), its CSRF token by :class:`EmptyForm`."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from evalflow.shared.web.forms import IdSelectField, SafeForm


class UploadForm(SafeForm):
    file = FileField(_l("测评体系工作簿(.xlsx)"))


class DefaultForm(SafeForm):
    category = SelectField(_l("单位类别"), choices=[])


class CopyForm(SafeForm):
    campaign = IdSelectField(_l("评选活动"), choices=[])


class ConflictForm(SafeForm):
    reviewer = IdSelectField(_l("评审专家"), choices=[])
    unit = IdSelectField(_l("申报单位"), choices=[])
    note = StringField(_l("说明"), validators=[Optional()])


class DecisionForm(SafeForm):
    # Text: the use case reads the number (as the API does) and says what is wrong with it.
    code = StringField(validators=[Optional()])
    points = StringField(_l("认定得分"), validators=[Optional()])
    reason = TextAreaField(_l("理由"), validators=[Optional()])


class ThirdForm(SafeForm):
    code = StringField(validators=[Optional()])
    reviewer = IdSelectField(_l("第三位评审专家"), choices=[])
