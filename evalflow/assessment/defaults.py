"""One default indicator tree per unit category (社区, 机关事业单位, 企业), written in our own words.

They are shaped like the published national-style systems — about a dozen level-1 items making
100 base points, each standard with its points and a method, a few 特色 bonus items capped at 10,
and a short 负面清单 — but every title and criterion here is our own wording. They are templates the
office starts from and edits; nothing applies them silently. Every number is a setting the office
may change. ``default_data(category)`` is the API body; :func:`default_tree` the parsed tree.
"""

from __future__ import annotations

import copy
from typing import Any

from evalflow.assessment.parse import parse_tree
from evalflow.assessment.rules import Tree

COMMUNITY = "社区"
PUBLIC_BODY = "机关事业单位"
ENTERPRISE = "企业"
CATEGORIES = (COMMUNITY, PUBLIC_BODY, ENTERPRISE)

Node = dict[str, Any]

ABCD = {
    "grades": [
        {"label": "A", "fraction": 1},
        {"label": "B", "fraction": 0.75},
        {"label": "C", "fraction": 0.5},
        {"label": "D", "fraction": 0},
    ]
}
MAT, INS, SUR, OPI, BRF = "materials", "inspection", "survey", "opinions", "briefing"


def leaf(code: str, title: str, points: float, method: str, criteria: str, **extra: Any) -> Node:
    """A standard; materials leaves ask for evidence unless told otherwise."""
    node: Node = {"code": code, "title": title, "points": points, "method": method, "criteria": criteria}
    node["evidence"] = extra.pop("evidence", method == MAT)
    node.update(extra)
    return node


def group(code: str, title: str, *children: Node, criteria: str = "") -> Node:
    return {"code": code, "title": title, "criteria": criteria, "children": list(children)}


def _shared_head() -> list[Node]:
    """Items 1–3, worded for every kind of unit."""
    return [
        group(
            "1",
            "组织领导",
            leaf(
                "1.1",
                "创建工作列入领导班子议事日程",
                3,
                MAT,
                "每年专题研究创建工作不少于两次,有会议记录和分工。",
                rubric=ABCD,
            ),
            leaf(
                "1.2",
                "创建规划、年度计划与工作台账",
                3,
                MAT,
                "有规划、有计划、有总结,台账分类清楚、随时可查。",
                rubric=ABCD,
            ),
            leaf("1.3", "创建工作人员与经费落实", 2, INS, "有专人负责创建日常工作,创建活动有经费保障。"),
        ),
        group(
            "2",
            "思想理论学习",
            leaf("2.1", "集体学习制度化、经常化", 3, MAT, "学习有计划、有记录、有心得,形式多样。"),
            leaf("2.2", "学习宣传阵地运转良好", 3, INS, "学习室、宣传栏或线上平台内容及时更新,有人使用。"),
            leaf("2.3", "学习宣传活动知晓度", 2, SUR, "随机询问的人员了解近期学习宣传活动的主要内容。"),
        ),
        group(
            "3",
            "社会主义核心价值观",
            leaf("3.1", "核心价值观宣传融入日常", 3, INS, "公益广告和宣传品布置得当、整洁醒目,不流于形式。"),
            leaf(
                "3.2", "融入制度规范和行为准则", 3, MAT, "公约、守则或章程体现核心价值观要求,并落到具体行为。"
            ),
            leaf(
                "3.3", "身边好人好事的发现与宣传", 2, MAT, "注意发现、记录和宣传身边的好人好事,形成学习氛围。"
            ),
        ),
    ]


def _survey(code: str, title: str, criteria: str) -> Node:
    """The survey of the people served, as one level-1 item."""
    return group(code, "群众评价", leaf(f"{code}.1", title, 10, SUR, criteria))


def _briefing(code: str, *more: Node, title: str = "创建工作汇报") -> Node:
    """The briefing's peer grade (集中汇报互评), as one level-1 item."""
    peer = leaf(f"{code}.1", "集中汇报互评得分", 10, BRF, "按集中听取汇报时各申报单位代表的评定档次折算。")
    return group(code, title, peer, *more)


def _bonus(*children: Node) -> Node:
    return {"code": "T", "title": "创建特色(加分)", "bonus": True, "children": list(children), "criteria": ""}


def _negative(*children: Node) -> Node:
    return {
        "code": "F",
        "title": "负面清单(扣分)",
        "deduction": True,
        "children": list(children),
        "criteria": "",
    }


COMMUNITY_ITEMS: list[Node] = [
    *_shared_head(),
    group(
        "4",
        "道德风尚",
        leaf("4.1", "居民公约和家风家教活动", 3, MAT, "居民公约经居民讨论通过并公示,家风家教活动有记录。"),
        leaf("4.2", "移风易俗", 3, INS, "红白事简办有约定、有监督,没有大操大办、铺张浪费现象。"),
        leaf("4.3", "邻里互助氛围", 2, SUR, "受访居民认为邻里关系和睦、遇事有人帮。"),
    ),
    group(
        "5",
        "志愿服务",
        leaf("5.1", "志愿服务队伍与注册", 3, MAT, "有志愿服务站点和队伍,注册志愿者占常住居民一定比例。"),
        leaf("5.2", "常态化志愿服务项目", 3, INS, "有面向老人、儿童、困难群体的固定服务项目并正常运行。"),
        leaf("5.3", "志愿服务记录与激励", 2, MAT, "服务时长有记录,优秀志愿者得到表扬或礼遇。"),
    ),
    group(
        "6",
        "文化生活",
        leaf("6.1", "文体活动场所开放使用", 4, INS, "活动室、健身场地按时开放,设施完好,有人管理。"),
        leaf("6.2", "群众性文体活动", 3, MAT, "全年组织多种形式的文体活动,居民参与面广。"),
    ),
    group(
        "7",
        "人居环境",
        group(
            "7.1",
            "公共区域整洁",
            leaf("7.1.1", "楼道、道路和绿地", 3, INS, "无乱堆乱放、乱贴乱画,绿地有人养护。"),
            leaf("7.1.2", "车辆停放秩序", 2, INS, "机动车、非机动车停放有序,消防通道畅通。"),
        ),
        leaf("7.2", "生活垃圾分类", 3, INS, "分类投放点设置合理、标识清楚,有人指导、按时清运。"),
        leaf("7.3", "环境卫生长效管理", 2, MAT, "有保洁制度和检查记录,发现问题及时整改。"),
    ),
    group(
        "8",
        "平安建设",
        leaf("8.1", "矛盾纠纷排查调解", 3, MAT, "定期排查,调解有记录,重大矛盾及时上报处置。"),
        leaf("8.2", "安全防范设施", 3, INS, "消防器材完好有效,重点部位有技防或人防措施。"),
        leaf("8.3", "相关部门意见", 3, OPI, "公安、综治、应急等部门未反映辖区存在突出的治安或安全问题。"),
    ),
    group(
        "9",
        "服务群众",
        leaf("9.1", "便民服务事项公开", 2, INS, "服务事项、办理流程和联系方式公开,方便查询。"),
        leaf("9.2", "困难群体关爱帮扶", 3, MAT, "对困难家庭、独居老人等有台账、有走访、有帮扶。"),
        leaf("9.3", "居民诉求办理", 3, SUR, "受访居民认为反映的问题有回应、有结果。"),
    ),
    group(
        "10",
        "未成年人思想道德建设",
        leaf("10.1", "校外活动与课后服务", 3, MAT, "利用活动场所开展适合未成年人的课外活动。"),
        leaf("10.2", "周边环境治理", 3, INS, "周边无违规经营场所,无不良出版物和游戏服务。"),
    ),
    _survey("11", "居民满意度", "按问卷调查满意率折算:居民对社区创建工作和生活环境的总体评价。"),
    _briefing("12"),
    _bonus(
        leaf("T1", "特色服务品牌", 4, MAT, "有居民认可、持续开展两年以上的特色服务品牌。"),
        leaf("T2", "经验做法被推广", 3, MAT, "创建经验被区级以上部门推广或媒体正面报道。"),
        leaf("T3", "先进典型获得表彰", 3, MAT, "居民或社区获得市级以上道德模范、好人等荣誉。"),
        leaf("T4", "数字化治理创新", 2, INS, "运用信息化手段提升服务和治理,效果明显。"),
    ),
    _negative(
        leaf(
            "F1",
            "安全责任事故",
            5,
            OPI,
            "评选周期内辖区发生有责任的安全事故,经核实的,扣分。",
            evidence=False,
        ),
        leaf(
            "F2",
            "环境问题被通报",
            3,
            INS,
            "公共环境问题被主管部门通报且未按期整改的,扣分。",
            evidence=False,
        ),
        leaf("F3", "申报材料失实", 5, MAT, "申报材料与实际不符、经核实的,扣分。", evidence=False),
    ),
]


PUBLIC_BODY_ITEMS: list[Node] = [
    *_shared_head(),
    group(
        "4",
        "职业道德与工作作风",
        leaf("4.1", "岗位规范与服务承诺", 3, MAT, "制定岗位规范和服务承诺并公开,有落实情况记录。"),
        leaf("4.2", "作风建设", 4, OPI, "纪检监察等部门未反映作风方面的突出问题。"),
        leaf("4.3", "文明礼仪", 3, INS, "着装整洁、用语文明,办公秩序良好。"),
    ),
    group(
        "5",
        "志愿服务",
        leaf("5.1", "志愿服务队伍", 3, MAT, "组建职工志愿服务队伍,多数在职人员注册为志愿者。"),
        leaf("5.2", "走进社区开展服务", 3, MAT, "定期到结对社区或服务对象中开展志愿服务,有记录。"),
        leaf("5.3", "服务项目成效", 2, SUR, "服务对象了解并认可单位的志愿服务项目。"),
    ),
    group(
        "6",
        "廉洁文化",
        leaf("6.1", "廉洁教育", 3, MAT, "经常开展廉洁教育,重要岗位人员全覆盖。"),
        leaf("6.2", "制度执行与监督", 3, OPI, "未发生违规违纪问题被查处的情况。"),
        leaf("6.3", "政务或事务公开", 2, INS, "应公开的事项按时公开,渠道畅通。"),
    ),
    group(
        "7",
        "窗口服务",
        group(
            "7.1",
            "办事便民",
            leaf("7.1.1", "一次告知与限时办结", 3, MAT, "落实一次告知、限时办结等制度,有统计和抽查。"),
            leaf("7.1.2", "网上办理和帮办代办", 2, INS, "能在网上或就近办理的事项,引导和帮助群众办理。"),
        ),
        leaf("7.2", "服务设施", 2, INS, "等候、咨询、无障碍等设施齐全可用。"),
        leaf("7.3", "投诉处理", 3, MAT, "投诉渠道公开,投诉件登记、回复和改进有据可查。"),
    ),
    group(
        "8",
        "单位文化",
        leaf("8.1", "文体活动", 3, MAT, "组织职工开展健康有益的文体活动。"),
        leaf("8.2", "职工关爱", 4, SUR, "受访职工认为单位关心职工、氛围和谐。"),
    ),
    group(
        "9",
        "环境与安全",
        leaf("9.1", "办公环境整洁有序", 3, INS, "办公区域整洁,公共区域无吸烟、无乱堆放。"),
        leaf("9.2", "安全管理", 3, OPI, "应急管理、消防等部门未反映安全隐患未整改的情况。"),
        leaf("9.3", "节约型机关(单位)建设", 2, INS, "节水节电节纸措施落实,公务用车管理规范。"),
    ),
    _survey("10", "服务对象满意度", "按问卷调查满意率折算:服务对象和职工对单位服务与作风的评价。"),
    _briefing(
        "11",
        leaf("11.2", "结对共建", 5, MAT, "与社区或村结对,帮助解决实际困难,有协议和记录。"),
        title="创建工作汇报与结对共建",
    ),
    _bonus(
        leaf("T1", "服务创新", 4, MAT, "推出便民利民的服务创新举措并取得实效。"),
        leaf("T2", "行业示范", 3, MAT, "做法被上级部门或同行业推广学习。"),
        leaf("T3", "先进典型", 3, MAT, "职工获得市级以上道德模范、好人或先进工作者等荣誉。"),
    ),
    _negative(
        leaf(
            "F1",
            "违法违纪问题",
            5,
            OPI,
            "评选周期内单位人员因工作发生违法违纪问题被查处的,扣分。",
            evidence=False,
        ),
        leaf(
            "F2",
            "服务问题被曝光",
            3,
            OPI,
            "因服务态度或效率问题被媒体曝光、经核实的,扣分。",
            evidence=False,
        ),
        leaf("F3", "申报材料失实", 5, MAT, "申报材料与实际不符、经核实的,扣分。", evidence=False),
    ),
]


ENTERPRISE_ITEMS: list[Node] = [
    *_shared_head(),
    group(
        "4",
        "诚信经营",
        leaf("4.1", "诚信制度与守法经营", 4, MAT, "建立诚信经营制度,依法纳税、按约履行合同。"),
        leaf("4.2", "信用记录", 3, OPI, "市场监管、税务等部门未反映失信或违法经营问题。"),
        leaf("4.3", "产品和服务质量", 3, SUR, "受访客户认为产品和服务质量可靠、售后有保障。"),
    ),
    group(
        "5",
        "职工权益",
        leaf("5.1", "劳动合同与社会保险", 4, MAT, "依法签订劳动合同,按时足额缴纳社会保险。"),
        leaf("5.2", "民主管理", 3, MAT, "职工代表大会或其他民主管理形式正常运行。"),
        leaf("5.3", "职工满意", 3, SUR, "受访职工对工资待遇、劳动条件和企业关怀总体满意。"),
    ),
    group(
        "6",
        "安全生产与环境保护",
        group(
            "6.1",
            "安全生产",
            leaf("6.1.1", "安全责任制度", 2, MAT, "安全生产责任落实到岗位,培训和演练有记录。"),
            leaf("6.1.2", "现场安全管理", 3, INS, "生产经营场所安全标识清楚,设备设施维护良好。"),
        ),
        leaf("6.2", "环境保护", 3, OPI, "生态环境部门未反映超标排放或环境违法问题。"),
        leaf("6.3", "厂区环境", 2, INS, "厂区或经营场所整洁有序,绿化养护良好。"),
    ),
    group(
        "7",
        "企业文化",
        leaf("7.1", "企业精神与行为规范", 3, MAT, "有体现核心价值观的企业精神和员工行为规范。"),
        leaf("7.2", "文化设施与活动", 3, INS, "职工书屋、活动场所等设施可用,活动经常开展。"),
        leaf("7.3", "职工培训与成长", 2, MAT, "有职工培训计划,技能培训和岗位练兵常态开展。"),
    ),
    group(
        "8",
        "社会责任与志愿服务",
        leaf("8.1", "职工志愿服务", 3, MAT, "组建职工志愿服务队伍,定期开展服务活动。"),
        leaf("8.2", "公益参与", 3, MAT, "参与助困、助学、助老等公益活动,有记录。"),
        leaf("8.3", "社区共建", 2, OPI, "所在社区或街道对企业参与共建的评价良好。"),
    ),
    group(
        "9",
        "职业道德与服务规范",
        leaf("9.1", "岗位规范", 3, INS, "窗口和一线岗位服务规范、用语文明。"),
        leaf("9.2", "先进人物培育", 3, MAT, "注意发现和宣传岗位能手、身边好人。"),
        leaf("9.3", "投诉处理", 4, MAT, "客户投诉有登记、有回复、有改进。"),
    ),
    _survey("10", "客户与职工满意度", "按问卷调查满意率折算:客户与职工对企业诚信、服务和文明程度的评价。"),
    _briefing("11"),
    _bonus(
        leaf("T1", "创新与品牌", 4, MAT, "文明创建与企业品牌建设结合紧密,成效明显。"),
        leaf("T2", "社会美誉", 3, MAT, "获得区级以上社会责任或诚信类表彰。"),
        leaf("T3", "先进典型", 3, MAT, "职工获得市级以上道德模范、好人或劳动模范等荣誉。"),
    ),
    _negative(
        leaf(
            "F1",
            "安全生产事故",
            5,
            OPI,
            "评选周期内发生有责任的安全生产事故,经核实的,扣分。",
            evidence=False,
        ),
        leaf("F2", "失信或违法经营", 5, OPI, "被列入失信名单或因违法经营受到处罚的,扣分。", evidence=False),
        leaf("F3", "拖欠职工工资", 3, OPI, "发生拖欠职工工资问题、经核实的,扣分。", evidence=False),
    ),
]


ITEMS = {COMMUNITY: COMMUNITY_ITEMS, PUBLIC_BODY: PUBLIC_BODY_ITEMS, ENTERPRISE: ENTERPRISE_ITEMS}


def default_data(category: str) -> dict[str, Any]:
    """The default tree of *category* as an API body (KeyError for an unknown category)."""
    return {
        "mode": "points",
        "bonus_cap": 10,
        "threshold": 90,
        "tie_break": [MAT, INS],
        "items": copy.deepcopy(ITEMS[category]),
    }


def default_tree(category: str) -> Tree:
    return parse_tree(default_data(category))
