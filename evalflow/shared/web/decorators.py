"""Small access decorators for HTML views (the rules themselves live in shared.access)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, redirect, request, url_for
from flask_login import current_user

from evalflow.shared.access import Role


def role_required(role: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path))
            if current_user.role is not role:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


office_only = role_required(Role.OFFICE)
unit_only = role_required(Role.UNIT)
