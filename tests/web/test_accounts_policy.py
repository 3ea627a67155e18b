"""Accounts: usernames unique whatever the case, a password policy, and a registration page that
does not tell which accounts exist."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from evalflow.extensions import db
from evalflow.shared.accounts import service as accounts
from evalflow.shared.accounts.models import User
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.errors import Duplicate, InvalidInput
from evalflow.shared.phases import Phase
from tests import factories
from tests.factories import PASSWORD, csrf_from, login

STRONG = "lantern-maple-4821"
WEAK = ["1234567890", "qwertyuiop", "woaini1314", "P@ssw0rd123", "password12", "aaaaaaaaaaaa"]


def field_errors(page: str, name: str) -> list[str]:
    """The error lines shown inside the form field *name*."""
    block = re.search(rf'<div class="field[^"]*">\s*<label for="{name}".*?</div>', page, re.S)
    assert block, f"no field {name}"
    return re.findall(r'<p class="error">([^<]+)</p>', block.group(0))


def test_username_differing_only_in_case_is_refused(app):
    factories.admin("admin")
    with pytest.raises(Duplicate) as caught:
        accounts.create_admin("ADMIN", STRONG)
    assert caught.value.fields["username"][0].render() == "用户名“ADMIN”已被使用。"


def test_database_refuses_usernames_differing_only_in_case(app):
    factories.admin("admin")
    with pytest.raises(IntegrityError):
        factories.office("Admin")
    db.session.rollback()


def test_sign_in_ignores_letter_case(client):
    factories.admin("office")
    assert login(client, "OFFICE", PASSWORD).status_code == 302


def test_office_page_shows_duplicate_username_under_the_field(client):
    factories.admin("office")
    login(client)
    token = csrf_from(client.get("/office/accounts/").get_data(as_text=True))
    data = {"username": "Office", "password": STRONG, "csrf_token": token}
    response = client.post("/office/accounts/", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_errors(page, "username") == ["用户名“Office”已被使用。"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


@pytest.mark.parametrize("weak", WEAK)
def test_common_passwords_are_refused_for_office_accounts(app, weak):
    with pytest.raises(InvalidInput) as caught:
        accounts.create_admin("chief", weak)
    assert caught.value.fields["password"][0].render() == (
        "这个密码太常见或太容易被猜到,请换一个(例如几个不相关的词加数字)。"
    )


def test_short_passwords_are_refused(app):
    with pytest.raises(InvalidInput) as caught:
        accounts.create_admin("chief", "Xq7#pL2z!")  # nine characters
    assert caught.value.fields["password"][0].render() == "密码至少 10 个字符。"


def test_password_made_of_the_username_is_refused(app):
    with pytest.raises(InvalidInput):
        accounts.create_admin("zhangwei2026", "zhangwei2026!")


def test_office_page_shows_password_policy_under_the_field(client):
    factories.admin("office")
    login(client)
    token = csrf_from(client.get("/office/accounts/").get_data(as_text=True))
    response = client.post(
        "/office/accounts/", data={"username": "chief", "password": "1234567890", "csrf_token": token}
    )
    assert response.status_code == 400
    assert field_errors(response.get_data(as_text=True), "password") == [
        "这个密码太常见或太容易被猜到,请换一个(例如几个不相关的词加数字)。"
    ]


# --- self-registration ---------------------------------------------------------------------------


def register(client, username, password=STRONG, name="丁社区"):
    campaign = db.session.scalar(sa.select(Campaign))
    if campaign is None:
        campaign = factories.campaign("评选", Phase.INTAKE)
        db.session.commit()
    token = csrf_from(client.get("/unit/register").get_data(as_text=True))
    data = {"campaign": str(campaign.id), "name": name, "username": username, "password": password}
    return client.post("/unit/register", data={**data, "csrf_token": token})


def test_registration_with_taken_username_says_unavailable_under_the_field(client):
    factories.admin("office")
    response = register(client, "OFFICE")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_errors(page, "username") == ["该用户名不可用,请换一个。"]
    assert field_errors(page, "name") == []
    assert db.session.scalar(sa.select(Unit.id)) is None


def test_registration_answer_does_not_prove_an_account_exists(client):
    """A taken name and a reserved name (no such account) get the same answer."""
    factories.admin("office")
    taken = register(client, "office")
    reserved = register(client, "admin")
    assert db.session.scalar(sa.select(User.id).where(User.username_key == "admin")) is None
    assert field_errors(taken.get_data(as_text=True), "username") == field_errors(
        reserved.get_data(as_text=True), "username"
    )
    assert "office" not in field_errors(taken.get_data(as_text=True), "username")[0]


def test_registration_refuses_common_password(client):
    response = register(client, "dingshequ", password="qwertyuiop")
    assert response.status_code == 400
    assert field_errors(response.get_data(as_text=True), "password") == [
        "这个密码太常见或太容易被猜到,请换一个(例如几个不相关的词加数字)。"
    ]


def test_registration_with_good_username_and_password_succeeds(client):
    response = register(client, "DingSheQu")
    assert "注册申请已提交" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(User.username_key)) == "dingshequ"
