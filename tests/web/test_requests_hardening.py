"""Crafted requests: the language switch stays on this site, caches and referrers keep secrets."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "referer",
    [
        "//evil.example/x",
        "https://evil.example/x",
        "http://localhost//evil.example/x",
        "http://localhost/\\evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)//localhost/",
        "http://[::1",
        "http://localhost/\x00evil",
    ],
)
def test_language_switch_never_redirects_off_site(client, referer):
    response = client.get("/lang/en", headers={"Referer": referer})
    assert response.status_code == 302
    assert response.headers["Location"] == "/?lang=en"


def test_language_switch_returns_to_same_site_page(client):
    response = client.get("/lang/en", headers={"Referer": "http://localhost/login?next=%2Funit%2F"})
    assert response.headers["Location"] == "/login?next=%2Funit%2F&lang=en"


def test_language_switch_unknown_language_goes_home(client):
    response = client.get("/lang/xx", headers={"Referer": "http://localhost/login"})
    assert response.headers["Location"] == "/"
