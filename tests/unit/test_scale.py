"""The scoring form: validation and defaults."""

from __future__ import annotations

from decimal import Decimal

import pytest

from evalflow.shared.campaigns.scale import (
    DEFAULT_SCALE,
    parse_scale,
    scale_from_json,
    scale_to_json,
)
from evalflow.shared.errors import InvalidInput


def test_default_scale_is_hao_jiaohao_yiban():
    assert [(g.label, g.points) for g in DEFAULT_SCALE] == [("好", 100), ("较好", 80), ("一般", 60)]
    assert all(g.criteria for g in DEFAULT_SCALE)


def test_parse_scale_sorts_by_points_and_keeps_decimals():
    grades = parse_scale(
        [{"label": "一般", "points": "60.5"}, {"label": "好", "points": 95, "criteria": "优秀"}]
    )
    assert [(g.label, g.points, g.criteria) for g in grades] == [
        ("好", Decimal(95), "优秀"),
        ("一般", Decimal("60.5"), ""),
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ([], ["评定表必须是非空的档次列表。"]),
        ("好", ["评定表必须是非空的档次列表。"]),
        ([{"label": "好", "points": 100}], ["评定表至少需要两个档次。"]),
        ([{"label": "好", "points": 100}, {"label": "好", "points": 80}], ["档次名称“好”重复。"]),
        (
            [{"label": "", "points": 100}, {"label": "差", "points": "abc"}],
            ["第 1 档缺少名称。", "第 2 档的分值必须是 0 到 1000 之间的数字。"],
        ),
        (
            [{"label": "好", "points": True}, {"label": "差", "points": -1}],
            ["第 1 档的分值必须是 0 到 1000 之间的数字。", "第 2 档的分值必须是 0 到 1000 之间的数字。"],
        ),
        (
            [{"label": "好", "points": "NaN"}, "x"],
            ["第 1 档的分值必须是 0 到 1000 之间的数字。", "第 2 档格式不正确。"],
        ),
    ],
)
def test_parse_scale_reports_every_problem(raw, expected):
    with pytest.raises(InvalidInput) as info:
        parse_scale(raw)
    assert [str(m) for m in info.value.fields["scale"]] == expected


def test_scale_json_round_trip():
    assert scale_from_json(scale_to_json(DEFAULT_SCALE)) == DEFAULT_SCALE
    assert scale_to_json(DEFAULT_SCALE)[0] == {
        "label": "好",
        "points": 100,
        "criteria": DEFAULT_SCALE[0].criteria,
    }
