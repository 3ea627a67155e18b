"""Plain exceptions of the domain, each mapped to a contract error code and HTTP status.

Services raise these; the API turns them into ``{"error": {"code", "message", ...}}`` and the HTML
views into flashed messages. They carry untranslated :class:`Message` objects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from evalflow.shared.messages import N_, Message, msg


class DomainError(Exception):
    """Base class: ``code`` and ``status`` follow the API contract's error table."""

    code = "invalid_input"
    status = 400
    default = N_("请求无效。")

    def __init__(
        self,
        message: Message | str | None = None,
        *,
        code: str | None = None,
        fields: Mapping[str, Sequence[Message | str]] | None = None,
        reasons: Sequence[Message | str] | None = None,
    ) -> None:
        if message is None:
            message = msg(self.default)
        elif isinstance(message, str):
            message = msg(message)
        self.message: Message = message
        if code:
            self.code = code
        self.fields = {k: list(v) for k, v in (fields or {}).items()}
        self.reasons = list(reasons or [])
        super().__init__(message.render())


class InvalidInput(DomainError):
    code, status, default = "invalid_input", 400, N_("输入有误,请检查后重试。")


class Unauthenticated(DomainError):
    code, status, default = "unauthenticated", 401, N_("请先登录。")


class Forbidden(DomainError):
    code, status, default = "forbidden", 403, N_("您没有权限执行此操作。")


class NotFound(DomainError):
    code, status, default = "not_found", 404, N_("未找到该内容。")


class Conflict(DomainError):
    code, status, default = "conflict", 409, N_("操作与当前状态冲突,请刷新后重试。")


class WrongPhase(Conflict):
    code, default = "wrong_phase", N_("当前阶段不允许此操作。")


class TransitionBlocked(Conflict):
    code, default = "transition_blocked", N_("尚不满足进入下一阶段的条件。")


class InvalidTransition(Conflict):
    code, default = "invalid_transition", N_("不允许的阶段变更。")


class Duplicate(Conflict):
    code, default = "duplicate", N_("该记录已存在。")


class RateLimited(DomainError):
    """Too many attempts; ``retry_after`` is the wait in seconds (sent as ``Retry-After``)."""

    code, status, default = "rate_limited", 429, N_("请求过于频繁,请稍后再试。")

    def __init__(self, message: Message | str | None = None, *, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TooLarge(DomainError):
    code, status, default = "too_large", 413, N_("文件过大。")


class UnsupportedType(DomainError):
    code, status, default = "unsupported_type", 415, N_("不支持的文件类型。")
