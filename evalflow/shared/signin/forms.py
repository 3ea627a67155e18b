"""WTForms of signing in and of the office's accounts (its own, reviewers' and inspectors')."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional

from evalflow.shared.accounts.assessors import MAX_NAME
from evalflow.shared.accounts.passwords import MIN_LENGTH
from evalflow.shared.accounts.rules import MAX_USERNAME
from evalflow.shared.web.forms import SafeForm


class LoginForm(SafeForm):
    username = StringField(
        _l("用户名"), validators=[DataRequired(_l("请填写用户名。")), Length(max=MAX_USERNAME)]
    )
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请填写密码。"))])
    next = HiddenField()


class AccountForm(SafeForm):
    username = StringField(
        _l("用户名"), validators=[DataRequired(_l("请填写用户名。")), Length(max=MAX_USERNAME)]
    )
    display_name = StringField(_l("姓名"), validators=[Optional(), Length(max=MAX_NAME)])
    password = PasswordField(
        _l("初始密码"),
        validators=[
            DataRequired(_l("请填写密码。")),
            Length(min=MIN_LENGTH, message=_l("密码至少 10 个字符。")),
        ],
    )


class AssessorForm(SafeForm):
    """A reviewer's or inspector's account; the affiliation is chosen from the campaigns' units."""

    username = StringField(
        _l("用户名"), validators=[DataRequired(_l("请填写用户名。")), Length(max=MAX_USERNAME)]
    )
    name = StringField(_l("姓名"), validators=[DataRequired(_l("请填写姓名。")), Length(max=MAX_NAME)])
    role = SelectField(
        _l("角色"),
        choices=[SelectChoice("reviewer", _l("评审专家")), SelectChoice("inspector", _l("考察组成员"))],
    )
    unit = SelectField(_l("所在单位(回避该单位)"), choices=[], validate_choice=True)
    password = PasswordField(
        _l("初始密码"),
        validators=[
            DataRequired(_l("请填写密码。")),
            Length(min=MIN_LENGTH, message=_l("密码至少 10 个字符。")),
        ],
    )
