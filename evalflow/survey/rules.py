"""问卷调查 and 征求意见: the questionnaire's shape, its limits, the 满意率 and the sample — pure Python.

A campaign's questionnaire (:class:`Questionnaire`) has up to :data:`MAX_QUESTIONS` questions, each
with 2 to :data:`MAX_OPTIONS` options; an option has its points and whether it counts as satisfied
(满意 and 基本满意 do, 不满意 does not). A respondent says first who they are (:class:`Respondent`),
then picks one option per question — or none (``None``: that question is left blank, an abstention).

The 满意率 (the contract): choices marked ``satisfied`` ÷ all choices, over the unit's valid answers;
a blank choice is no choice. A unit reaches its sample when every respondent type the office asks
has at least ``sample`` valid answers.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from evalflow.shared.messages import N_, Message, msg
from evalflow.shared.text import text_problem

MAX_QUESTIONS = 30
MIN_OPTIONS = 2
MAX_OPTIONS = 6
MAX_QUESTION_TEXT = 200
MAX_OPTION_LABEL = 30
MAX_OPTION_POINTS = Decimal(100)
MAX_SAMPLE = 10_000
DEFAULT_SAMPLE = 30
MAX_CODES = 1000  # slips printed at once for one unit
CODE_BYTES = 10  # 80 bits: unguessable, 16 base-32 characters on a slip
MAX_CODE_TEXT = 40
MAX_DEPARTMENT_NAME = 60
MAX_OPINION_TEXT = 2000
MAX_REASON = 500
CHOICE_LENGTH = 20  # the longest name of a mode, respondent, verdict or outcome a body may send
PAPER_PASSES = 2  # a paper form is keyed twice, by two people (double entry)
MAX_SHEET = 20  # the number written on a paper form
MAX_INCIDENT_TYPE = 120  # a veto's incident type, as the configured list names it
DEFAULT_ANSWER_RATE = "120/minute"  # answers per client address (a residents' wifi shares one)
DEFAULT_FAST_SECONDS = 20  # an answer faster than this is flagged (a setting)
FORMULA = N_("满意率 = 选择“满意”类选项的次数 ÷ 全部作答次数(只计有效问卷,空白题不计)")


class SurveyMode(enum.StrEnum):
    """How answers are collected: an open QR poster, or one-time codes on slips."""

    OPEN = "open"
    CODED = "coded"

    @property
    def label(self) -> str:
        return {SurveyMode.OPEN: N_("公开扫码"), SurveyMode.CODED: N_("凭码作答")}[self]


class Respondent(enum.StrEnum):
    """Who answers: 职工 (the unit's staff), 服务对象 (its clients), 居民 (residents)."""

    STAFF = "staff"
    CLIENT = "client"
    RESIDENT = "resident"

    @property
    def label(self) -> str:
        return RESPONDENT_LABELS[self]


RESPONDENT_LABELS = {
    Respondent.STAFF: N_("职工"),
    Respondent.CLIENT: N_("服务对象"),
    Respondent.RESIDENT: N_("居民"),
}


class Verdict(enum.StrEnum):
    """A department's answer about one unit: 无意见 or 有问题."""

    NONE = "none"
    PROBLEM = "problem"

    @property
    def label(self) -> str:
        return {Verdict.NONE: N_("无意见"), Verdict.PROBLEM: N_("有问题")}[self]


class Outcome(enum.StrEnum):
    """What the office decides about a reported problem (the case)."""

    VETO = "veto"
    DEDUCTION = "deduction"
    NO_EFFECT = "no_effect"

    @property
    def label(self) -> str:
        return {Outcome.VETO: N_("一票否决"), Outcome.DEDUCTION: N_("扣分"), Outcome.NO_EFFECT: N_("不影响")}[
            self
        ]


@dataclass(frozen=True)
class Option:
    """One answer to a question: its label, its points, and whether it counts as satisfied."""

    label: str
    points: Decimal
    satisfied: bool


@dataclass(frozen=True)
class Question:
    text: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Questionnaire:
    """A campaign's survey: how it collects, the sample per unit and type, the types asked, the questions."""

    mode: SurveyMode
    sample: int
    questions: tuple[Question, ...]
    respondents: tuple[Respondent, ...] = tuple(Respondent)

    def to_json(self) -> dict[str, Any]:
        """The stored (and API) form: points as numbers with at most 2 decimals."""
        return {
            "mode": self.mode.value,
            "sample": self.sample,
            "respondents": [r.value for r in self.respondents],
            "questions": [
                {"text": q.text, "options": [
                    {"label": o.label, "points": _number(o.points), "satisfied": o.satisfied} for o in q.options
                ]} for q in self.questions
            ],
        }  # fmt: skip


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _text(value: Any, limit: int, checked: bool) -> Message | None:
    """Why *value* cannot be a question's text or an option's label: the app's one rule for text
    (:func:`evalflow.shared.text.text_problem`, on one line), then the limit. *checked* False: a
    stored questionnaire, checked when it was stored (by the rule of its day), is only read back."""
    if value is None:
        return msg(N_("请填写此项。"))
    if not isinstance(value, str):
        return msg(N_("须为文字。"))
    problem = text_problem(value, required=True, single_line=True) if checked else None
    if problem is None and not value.strip():
        problem = msg(N_("请填写此项。"))
    if problem is None and len(value.strip()) > limit:
        problem = msg(N_("最多 %(max)d 个字。"), max=limit)
    return problem


def _points(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        points = Decimal(str(value))
    except InvalidOperation:
        return None
    if not points.is_finite() or points < 0 or points > MAX_OPTION_POINTS or points != round(points, 2):
        return None
    return points


def _option(data: Any, where: str, problems: dict[str, list[Message]], checked: bool) -> Option | None:
    if not isinstance(data, Mapping):
        problems.setdefault(where, []).append(msg(N_("选项格式不正确。")))
        return None
    problem = _text(data.get("label"), MAX_OPTION_LABEL, checked)
    points = _points(data.get("points", 0))
    if problem is not None:
        problems.setdefault(f"{where}.label", []).append(problem)
    if points is None:
        problems.setdefault(f"{where}.points", []).append(
            msg(N_("分值须为 0 至 100 之间、最多两位小数的数。"))
        )
    satisfied = data.get("satisfied", False)
    if not isinstance(satisfied, bool):
        problems.setdefault(f"{where}.satisfied", []).append(msg(N_("须为 true 或 false。")))
    if problem is not None or points is None or not isinstance(satisfied, bool):
        return None
    return Option(data["label"].strip(), points, satisfied)


def _question(data: Any, where: str, problems: dict[str, list[Message]], checked: bool) -> Question | None:
    if not isinstance(data, Mapping):
        problems.setdefault(where, []).append(msg(N_("问题格式不正确。")))
        return None
    problem = _text(data.get("text"), MAX_QUESTION_TEXT, checked)
    if problem is not None:
        problems.setdefault(f"{where}.text", []).append(problem)
    raw = data.get("options")
    if not isinstance(raw, list) or not MIN_OPTIONS <= len(raw) <= MAX_OPTIONS:
        problems.setdefault(f"{where}.options", []).append(
            msg(N_("每题须有 %(min)d 至 %(max)d 个选项。"), min=MIN_OPTIONS, max=MAX_OPTIONS)
        )
        return None
    options = [_option(o, f"{where}.options.{i}", problems, checked) for i, o in enumerate(raw)]
    if problem is not None or any(o is None for o in options):
        return None
    done = [o for o in options if o is not None]
    if not any(o.satisfied for o in done):
        problems.setdefault(f"{where}.options", []).append(msg(N_("至少一个选项须计为满意。")))
        return None
    return Question(data["text"].strip(), tuple(done))


def parse_questionnaire(
    data: Mapping[str, Any], *, checked: bool = True
) -> tuple[Questionnaire | None, dict[str, list[Message]]]:
    """The questionnaire in *data* (the contract's ``PUT …/survey`` body), or the problems keyed by
    field (``questions.0.options.1.points``). *checked* False: read back a stored questionnaire
    (:func:`from_json`) without holding its texts to today's text rule."""
    problems: dict[str, list[Message]] = {}
    mode = data.get("mode")
    if mode not in {m.value for m in SurveyMode}:
        problems["mode"] = [msg(N_("收集方式须为 open 或 coded。"))]
    sample = data.get("sample", DEFAULT_SAMPLE)
    if isinstance(sample, bool) or not isinstance(sample, int) or not 1 <= sample <= MAX_SAMPLE:
        problems["sample"] = [msg(N_("样本量须为 1 至 %(max)d 的整数。"), max=MAX_SAMPLE)]
    kinds = data.get("respondents", [r.value for r in Respondent])
    if (not isinstance(kinds, list) or not kinds or len(set(map(str, kinds))) != len(kinds)
            or any(k not in {r.value for r in Respondent} for k in kinds)):  # fmt: skip
        problems["respondents"] = [msg(N_("调查对象须为 staff、client、resident 中的一个或多个,不重复。"))]
    raw = data.get("questions")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_QUESTIONS:
        problems["questions"] = [msg(N_("须有 1 至 %(max)d 道题。"), max=MAX_QUESTIONS)]
        return None, problems
    questions = [_question(q, f"questions.{i}", problems, checked) for i, q in enumerate(raw)]
    if problems:
        return None, problems
    kept = tuple(q for q in questions if q is not None)
    return Questionnaire(SurveyMode(mode), sample, kept, tuple(Respondent(k) for k in kinds)), problems


def from_json(data: Mapping[str, Any]) -> Questionnaire:
    """A stored questionnaire (it was checked when it was stored)."""
    found, problems = parse_questionnaire(data, checked=False)
    if found is None:
        raise ValueError(f"stored questionnaire is invalid: {problems}")
    return found


def choices_problem(questionnaire: Questionnaire, choices: Sequence[Any]) -> Message | None:
    """Why *choices* (one option index or ``None`` per question) do not fit the questionnaire."""
    if len(choices) != len(questionnaire.questions):
        return msg(N_("须对每道题作答(共 %(n)d 题;不答的题填 null)。"), n=len(questionnaire.questions))
    for number, (choice, question) in enumerate(zip(choices, questionnaire.questions, strict=True), 1):
        if choice is None:
            continue
        if isinstance(choice, bool) or not isinstance(choice, int) or not 0 <= choice < len(question.options):
            return msg(N_("第 %(n)d 题的选项不存在。"), n=number)
    return None


def choice_labels(questionnaire: Questionnaire, choices: Sequence[Any]) -> list[str | None]:
    """Each question's chosen option's label (None: left blank, or no such option), for display."""
    out: list[str | None] = []
    for index, question in enumerate(questionnaire.questions):
        choice = choices[index] if index < len(choices) else None
        fits = (
            isinstance(choice, int) and not isinstance(choice, bool) and 0 <= choice < len(question.options)
        )
        out.append(question.options[choice].label if fits else None)
    return out


def counts(questionnaire: Questionnaire, choices: Sequence[int | None]) -> tuple[int, int]:
    """(choices marked satisfied, all choices) of one answer; blanks are not choices."""
    picked = [q.options[c] for q, c in zip(questionnaire.questions, choices, strict=True) if c is not None]
    return sum(1 for o in picked if o.satisfied), len(picked)


def satisfied_rate(answers: Iterable[tuple[int, int]]) -> Fraction | None:
    """The 满意率 over (satisfied, all) counts of valid answers; ``None`` when nothing was chosen."""
    satisfied = total = 0
    for yes, all_ in answers:
        satisfied += yes
        total += all_
    return Fraction(satisfied, total) if total else None


def reached(questionnaire: Questionnaire, valid_by_type: Mapping[str, int]) -> bool:
    """Whether every respondent type asked has at least the sample of valid answers."""
    return all(valid_by_type.get(r.value, 0) >= questionnaire.sample for r in questionnaire.respondents)


def missing_by_type(questionnaire: Questionnaire, valid_by_type: Mapping[str, int]) -> dict[Respondent, int]:
    """How many valid answers each respondent type still lacks (types already reached left out)."""
    out = {r: questionnaire.sample - valid_by_type.get(r.value, 0) for r in questionnaire.respondents}
    return {r: n for r, n in out.items() if n > 0}


def new_secret() -> str:
    """An unguessable one-time code (80 bits), in capitals and digits a slip can carry."""
    import base64

    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode().rstrip("=")


def digest(secret: str) -> str:
    """What is stored of a code or a department's token: its SHA-256 (the secret itself never is)."""
    clean = secret.strip().upper() if len(secret) <= MAX_CODE_TEXT else secret
    return hashlib.sha256(clean.encode("utf-8", "replace")).hexdigest()


def token_digest(token: str) -> str:
    """A department token's SHA-256 (tokens are case-sensitive)."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
