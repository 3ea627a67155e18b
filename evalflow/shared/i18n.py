"""Languages: Chinese first (zh_CN), English second, chosen by ``?lang=`` and remembered in a cookie;
the JSON API also follows a client's ``Accept-Language`` header (pages do not: an office's browser
set to English still gets the Chinese pages until someone picks English)."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from flask import Flask, has_request_context, request
from flask_babel import get_locale, gettext

from evalflow.extensions import babel
from evalflow.shared.errors import DomainError
from evalflow.shared.messages import Message

LANG_COOKIE = "evalflow_lang"


def select_locale() -> str:
    from flask import current_app

    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    wanted = request.args.get("lang") or request.cookies.get(LANG_COOKIE)
    if wanted in languages:
        return wanted
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def tr(message: Message | str) -> str:
    """Translate a domain message (or plain template) into the request's language."""
    if isinstance(message, Message):
        return message.render(gettext)
    return gettext(message)


def tr_if_constant(text: str, constants: Collection[str]) -> str:
    """*text* translated when it is one of the code's own N_() *constants* (a default that was
    stored), otherwise exactly as the user typed it: user text is never a translation key."""
    return gettext(text) if text in constants else text


def tr_all(messages: Iterable[Message | str]) -> list[str]:
    return [tr(m) for m in messages]


def describe(exc: DomainError) -> str:
    """A domain error as one sentence: its message, then every reason and field problem."""
    details = tr_all(exc.reasons) + [r for reasons in exc.fields.values() for r in tr_all(reasons)]
    return " ".join([tr(exc.message), *details])


def lang_url(code: str) -> str:
    """This page in language *code* (its own URL with ``?lang=``), so switching needs no
    ``Referer`` — pages sent with ``Referrer-Policy: no-referrer`` (a seat's) switch in place too.
    Pages answered to a POST fall back to ``/lang/<code>``."""
    from flask import url_for

    rule = request.url_rule
    if rule is not None and request.endpoint and "GET" in (rule.methods or ()):
        values = {**request.args.to_dict(), **(request.view_args or {}), "lang": code}
        return url_for(request.endpoint, **values)
    return url_for("public.set_language", code=code)


def register_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(tr=tr, get_locale=get_locale, lang_url=lang_url)

    @app.after_request
    def remember_language(response):  # type: ignore[no-untyped-def]
        lang = request.args.get("lang")
        if lang in app.config["LANGUAGES"]:
            response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="Lax", httponly=True)
        return response
