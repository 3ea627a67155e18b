"""The sign-in password policy (office accounts, unit self-registration, every account created).

Pure Python. A password has at least :data:`MIN_LENGTH` characters and is not a common or easily
guessed one. "Common" is judged by zxcvbn (the maintained Python port of Dropbox's estimator):
its frequency lists of leaked passwords, words and names, plus keyboard walks, repeats, sequences,
dates and the user's own name. A password it expects to fall within 10^8 guesses (score below 3)
is refused: ``1234567890``, ``qwertyuiop``, ``woaini1314``, ``P@ssw0rd123``, ``admin12345``.
"""

from __future__ import annotations

from zxcvbn import zxcvbn

from evalflow.shared.messages import N_, Message, msg

MIN_LENGTH = 10
MIN_SCORE = 3
_ESTIMATED = 72  # zxcvbn refuses longer input; a longer password is judged by its first 72 characters


def password_problem(password: str, *, user_inputs: tuple[str, ...] = ()) -> Message | None:
    """Why *password* is refused, or None. *user_inputs*: the username, the unit's name…"""
    if len(password) < MIN_LENGTH:
        return msg(N_("密码至少 %(n)d 个字符。"), n=MIN_LENGTH)
    inputs = [value for value in user_inputs if value]
    if zxcvbn(password[:_ESTIMATED], user_inputs=inputs)["score"] < MIN_SCORE:
        return msg(N_("这个密码太常见或太容易被猜到,请换一个(例如几个不相关的词加数字)。"))
    return None
