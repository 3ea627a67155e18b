"""The survey's pure rules: the questionnaire's checks, the 满意率, the sample, codes, the page's text
form, and each anomaly signal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from evalflow.survey import form_text, rules, signals
from evalflow.survey.signals import Answer, SignalKind

OPTIONS = [{"label": "满意", "points": 10, "satisfied": True}, {"label": "基本满意", "points": "8.5", "satisfied": True},
           {"label": "不满意", "points": 0, "satisfied": False}]  # fmt: skip
BODY = {
    "mode": "open",
    "sample": 3,
    "respondents": ["resident"],
    "questions": [{"text": "满意吗?", "options": OPTIONS}] * 2,
}
T0 = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def test_a_valid_questionnaire_round_trips_through_its_json():
    found, problems = rules.parse_questionnaire(BODY)
    assert problems == {} and found is not None
    assert found.to_json()["questions"][0]["options"][1] == {
        "label": "基本满意",
        "points": 8.5,
        "satisfied": True,
    }
    assert rules.from_json(found.to_json()) == found


def test_every_problem_is_named_by_its_field():
    bad = {"mode": "paper", "sample": True, "respondents": ["resident", "resident"],
           "questions": [{"text": "", "options": OPTIONS}, {"text": "x\x00", "options": OPTIONS[:1]}]}  # fmt: skip
    found, problems = rules.parse_questionnaire(bad)
    assert found is None
    assert set(problems) == {
        "mode",
        "sample",
        "respondents",
        "questions.0.text",
        "questions.1.text",
        "questions.1.options",
    }


def test_choices_must_fit_and_blanks_are_no_choice():
    found, _ = rules.parse_questionnaire(BODY)
    assert rules.choices_problem(found, [0, None]) is None
    assert rules.choices_problem(found, [0]) is not None
    assert rules.choices_problem(found, [0, 3]).render() == "第 2 题的选项不存在。"
    assert rules.choices_problem(found, [False, 0]) is not None
    assert rules.counts(found, [1, None]) == (1, 1)
    assert rules.counts(found, [2, 0]) == (1, 2)


def test_the_satisfied_rate_is_exact_over_all_choices():
    assert rules.satisfied_rate([(2, 2), (0, 1)]) == Fraction(2, 3)
    assert rules.satisfied_rate([(0, 0)]) is None
    assert rules.satisfied_rate([]) is None


def test_the_sample_per_type():
    found, _ = rules.parse_questionnaire({**BODY, "respondents": ["staff", "resident"]})
    assert rules.reached(found, {"staff": 3, "resident": 3}) is True
    assert rules.reached(found, {"staff": 5, "resident": 2}) is False
    assert rules.missing_by_type(found, {"staff": 5, "resident": 2}) == {rules.Respondent.RESIDENT: 1}


def test_codes_are_unguessable_and_read_case_insensitively():
    codes = {rules.new_secret() for _ in range(200)}
    assert len(codes) == 200 and all(len(c) == 16 and c.isalnum() for c in codes)
    code = next(iter(codes))
    assert rules.digest(code) == rules.digest(f" {code.lower()} ") != code


def test_the_text_form_round_trips():
    found, _ = rules.parse_questionnaire(BODY)
    text = form_text.to_text(found.to_json()["questions"])
    assert text.splitlines()[:3] == ["满意吗?", "- 满意 = 10 *", "- 基本满意 = 8.5 *"]
    again, problems = rules.parse_questionnaire({**BODY, "questions": form_text.from_text(text)})
    assert problems == {} and again == found
    assert form_text.from_text("- 孤立的选项 = 1")[0]["text"] == ""
    assert (
        rules.parse_questionnaire({"mode": "open", "questions": form_text.from_text(form_text.DEFAULT_TEXT)})[
            1
        ]
        == {}
    )


def _answer(i: int, **extra) -> Answer:
    values = {"id": i, "unit_id": 1, "respondent": "resident", "choices": (i % 3, 0), "address": f"10.0.{i}.1",
              "device": f"d{i}", "created_at": T0 + timedelta(minutes=i)}  # fmt: skip
    values.update(extra)
    return Answer(**values)


def _kinds(found: list[signals.Signal]) -> list[SignalKind]:
    return [s.kind for s in found]


def test_no_signal_for_ordinary_answers():
    assert signals.signals([_answer(i) for i in range(30)], 20) == []


def test_a_burst_from_one_address_and_from_one_subnet():
    same = [_answer(i, address="1.2.3.4", created_at=T0 + timedelta(seconds=i)) for i in range(10)]
    assert _kinds(signals.signals(same, 20)) == [SignalKind.BURST_ADDRESS]
    subnet = [_answer(i, address=f"1.2.3.{i}", created_at=T0 + timedelta(seconds=i)) for i in range(10)]
    found = signals.signals(subnet, 20)
    assert _kinds(found) == [SignalKind.BURST_SUBNET] and found[0].detail.render().endswith("1.2.3.0/24。")
    spread = [_answer(i, address="1.2.3.4", created_at=T0 + timedelta(minutes=2 * i)) for i in range(10)]
    assert signals.signals(spread, 20) == []


def test_identical_answers_fast_answers_and_one_device_for_many_units():
    same = [_answer(i, choices=(0, 0)) for i in range(5)]
    assert _kinds(signals.signals(same, 20)) == [SignalKind.IDENTICAL]
    fast = signals.signals([_answer(1, opened_at=T0 + timedelta(minutes=1) - timedelta(seconds=7))], 20)
    assert (
        _kinds(fast) == [SignalKind.FAST] and fast[0].detail.render() == "打开问卷后 7 秒即提交(少于 20 秒)。"
    )
    many = [_answer(i, unit_id=i, device="phone", created_at=T0 + timedelta(hours=i)) for i in range(5)]
    found = signals.signals(many, 20)
    assert _kinds(found) == [SignalKind.DEVICE_MANY_UNITS] and found[0].answer_ids == (0, 1, 2, 3, 4)


# --- the page's text gives back any questionnaire (saving it unchanged changes nothing) --------------

# Characters that once broke the round trip, or could: an option's "-", "=", "*", the escape's "\",
# "u" and hex digits, "|", spaces of several kinds, a zero-width space, letters — all allowed in a text;
# then the line ends of splitlines() (U+2028, U+2029, NEL …), which the API refuses now.
ALLOWED = "-=*\\u0a2F|  \u3000\u00a0\u200b满意x"
BREAKS = "\u2028\u2029\u0085\u000b\u000c\u001c\n\r\t"


def _texts(alphabet: str) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, min_size=1, max_size=12).filter(
        lambda t: any(c in "-=*\\u0a2F|满意x" for c in t)
    )


@st.composite
def _questions(draw: st.DrawFn, alphabet: str = ALLOWED) -> list[dict[str, object]]:
    texts, out = _texts(alphabet), []
    for _ in range(draw(st.integers(1, 3))):
        count = draw(st.integers(rules.MIN_OPTIONS, rules.MAX_OPTIONS))
        options = [{"label": draw(texts), "points": draw(st.sampled_from([0, 5, 8.5, 10, 99.99, 100])),
                    "satisfied": draw(st.booleans())} for _ in range(count)]  # fmt: skip
        options[0]["satisfied"] = True
        out.append({"text": draw(texts), "options": options})
    return out


@settings(max_examples=300, deadline=None)
@given(_questions())
def test_any_questionnaire_the_api_accepts_round_trips_through_the_page_text(questions):
    found, problems = rules.parse_questionnaire({**BODY, "questions": questions})
    assert problems == {}
    again, problems = rules.parse_questionnaire(
        {**BODY, "questions": form_text.from_text(form_text.to_text(found.to_json()["questions"]))}
    )
    assert problems == {} and again == found


@settings(max_examples=300, deadline=None)
@given(_questions(ALLOWED + BREAKS))
def test_the_page_text_gives_back_every_text_even_one_the_api_now_refuses(questions):
    """A questionnaire stored before today's text rule (a U+2028 in a label) is shown and read back as
    it is, so saving the page says what is wrong instead of silently splitting a line."""
    found, problems = rules.parse_questionnaire({**BODY, "questions": questions}, checked=False)
    assert found is not None, problems
    back = form_text.from_text(form_text.to_text(found.to_json()["questions"]))
    assert [(q["text"], [o["label"] for o in q["options"]]) for q in back] == [
        (q.text, [o.label for o in q.options]) for q in found.questions
    ]


def test_the_page_text_escapes_what_would_be_misread():
    questions = [{"text": "-环境是否满意?", "options": [{"label": "好\u2028- 差 = 0", "points": 1, "satisfied": True},
                                                        {"label": "C:\\u2028", "points": 0, "satisfied": False}]}]  # fmt: skip
    text = form_text.to_text(questions)
    assert text.splitlines() == ["\\-环境是否满意?", "- 好\\u2028- 差 = 0 = 1 *", "- C:\\\\u2028 = 0"]
    assert form_text.from_text(text) == [{"text": "-环境是否满意?", "options": [
        {"label": "好\u2028- 差 = 0", "points": "1", "satisfied": True},
        {"label": "C:\\u2028", "points": "0", "satisfied": False}]}]  # fmt: skip
    assert form_text.from_text("a\\b\n- x\\y = 1 *")[0] == {"text": "a\\b", "options": [
        {"label": "x\\y", "points": "1", "satisfied": True}]}  # fmt: skip  # a typed backslash stays


# --- the one text rule; a stored questionnaire is read back as it was stored --------------------------


def test_texts_follow_the_apps_one_text_rule():
    for text, message in (("满意\u007f\u0085吗?", "含有无法保存的字符(如空字符、控制字符或不完整的 Unicode 字符),请删除后重试。"),
                          ("满意\ufffe吗?", "含有无法保存的字符(如空字符、控制字符或不完整的 Unicode 字符),请删除后重试。"),
                          ("满意\u2028吗?", "须写在一行内:不能包含换行符、制表符或 Unicode 行/段分隔符(此处含 U+2028)。"),
                          ("\u200b", "不能只包含空白或不可见的字符,请填写可见的文字。"),
                          (5, "须为文字。"), (None, "请填写此项。")):  # fmt: skip
        body = {
            **BODY,
            "questions": [{"text": "满意吗?", "options": [*OPTIONS[:2], {**OPTIONS[2], "label": text}]}],
        }
        found, problems = rules.parse_questionnaire(body)
        assert found is None and {k: [m.render() for m in v] for k, v in problems.items()} == {
            "questions.0.options.2.label": [message]
        }, text
    stored = {**BODY, "questions": [{"text": "旧的\u2028问题", "options": OPTIONS}]}
    assert rules.from_json(stored).questions[0].text == "旧的\u2028问题"  # checked by the rule of its day


def test_choice_labels_name_each_choice():
    found, _ = rules.parse_questionnaire(BODY)
    assert rules.choice_labels(found, [1, None]) == ["基本满意", None]
    assert rules.choice_labels(found, [7, True]) == [None, None]
    assert rules.choice_labels(found, [0]) == ["满意", None]


def test_a_form_without_a_valid_opening_time_is_flagged_and_an_untimed_answer_is_not():
    untimed = _answer(1, opened_at=signals.OPENED_UNKNOWN)
    found = signals.signals(
        [untimed, _answer(2), _answer(3, opened_at=T0 + timedelta(minutes=3) - timedelta(seconds=2))], 20
    )
    assert [(s.kind, s.answer_ids) for s in found] == [(SignalKind.FAST, (3,)), (SignalKind.UNTIMED, (1,))]
    assert (
        found[1].detail.render()
        == "提交的问卷未带有效的打开时间(缺失、被改动或已超过一天),无法判断作答用时。"
    )
