"""Command-line set-up: create-admin and the idempotent demo."""

from __future__ import annotations

import sqlalchemy as sa

from evalflow.extensions import db
from evalflow.shared.accounts import service as accounts
from evalflow.shared.accounts.models import User
from evalflow.shared.campaigns.models import Campaign


def test_create_admin_creates_office_account(app):
    result = app.test_cli_runner().invoke(args=["create-admin", "wmb", "--password", "long-enough-pw"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.username == "wmb"))
    assert user.role.value == "office"
    assert accounts.authenticate("wmb", "long-enough-pw").id == user.id


def test_create_admin_rejects_short_password_and_duplicates(app):
    runner = app.test_cli_runner()
    short = runner.invoke(args=["create-admin", "wmb", "--password", "short"])
    assert short.exit_code != 0 and "密码至少 10 个字符" in short.output
    runner.invoke(args=["create-admin", "wmb", "--password", "long-enough-pw"])
    again = runner.invoke(args=["create-admin", "wmb", "--password", "long-enough-pw"])
    assert again.exit_code != 0 and "已被使用" in again.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_demo_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    counts = (
        db.session.scalar(sa.select(sa.func.count()).select_from(Campaign)),
        db.session.scalar(sa.select(sa.func.count()).select_from(User)),
    )
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    db.session.expire_all()
    assert counts[0] >= 1
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(Campaign)),
        db.session.scalar(sa.select(sa.func.count()).select_from(User)),
    ) == counts
    assert accounts.authenticate("admin", "evalflow-demo").role.value == "office"
