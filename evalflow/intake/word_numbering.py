"""Word's automatic numbering (numbering.xml) rendered as the reader sees it: 一、(一) 1.1 甲 …"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evalflow.intake.word_package import W, _Package

_CN_DIGITS = "零一二三四五六七八九"


_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"


_STEMS = "甲乙丙丁戊己庚辛壬癸"


_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"


_PUA_BULLET = "•"


def _chinese(n: int, digits: str = _CN_DIGITS, units: str = "十百千") -> str:
    if n <= 0 or n >= 10000:
        return str(n)
    parts, zero = [], False
    for power, unit in ((1000, units[2]), (100, units[1]), (10, units[0]), (1, "")):
        d, n = divmod(n, power)
        if d:
            if zero:
                parts.append(digits[0])
            parts.append(digits[d] + unit)
            zero = False
        elif parts:
            zero = True
    text = "".join(parts)
    return text[1:] if text.startswith(digits[1] + units[0]) and digits is _CN_DIGITS else text


def _letters(n: int) -> str:
    n = max(n, 1)
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _roman(n: int) -> str:
    if not 0 < n < 4000:
        return str(n)
    out = ""
    for value, sym in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                       (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):  # fmt: skip
        count, n = divmod(n, value)
        out += sym * count
    return out


def format_number(n: int, fmt: str) -> str:
    """One list counter in Word's number format *fmt* (unknown formats fall back to decimal)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting"):
        return _chinese(n)
    if fmt in ("chineseLegalSimplified", "ideographLegalTraditional"):
        return _chinese(n, _CN_LEGAL, "拾佰仟")
    if fmt in ("ideographDigital", "taiwaneseDigital", "japaneseDigitalTenThousand"):
        return "".join("〇一二三四五六七八九"[int(d)] for d in str(n))
    if fmt == "ideographTraditional":
        return _STEMS[(n - 1) % 10] if n > 0 else str(n)
    if fmt == "ideographZodiac":
        return _BRANCHES[(n - 1) % 12] if n > 0 else str(n)
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese", "ideographEnclosedCircle"):
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else f"({n})"
    if fmt == "decimalEnclosedParen":
        return chr(0x2474 + n - 1) if 1 <= n <= 20 else f"({n})"
    if fmt == "decimalEnclosedFullstop":
        return chr(0x2488 + n - 1) if 1 <= n <= 20 else f"{n}."
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return "".join(chr(0xFF10 + int(d)) for d in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "upperLetter":
        return _letters(n)
    if fmt == "lowerLetter":
        return _letters(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "none":
        return ""
    return str(n)


@dataclass
class _Level:
    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1
    suffix: str = "tab"
    legal: bool = False


@dataclass
class Numbering:
    """Word's list definitions and the running counters, as a reader sees them."""

    abstract: dict[str, dict[int, _Level]] = field(default_factory=dict)
    abstract_style_link: dict[str, str] = field(default_factory=dict)  # abstractNumId -> numStyleLink
    nums: dict[str, str] = field(default_factory=dict)  # numId -> abstractNumId
    overrides: dict[str, dict[int, int]] = field(default_factory=dict)  # numId -> {ilvl: start}
    level_overrides: dict[str, dict[int, _Level]] = field(default_factory=dict)
    style_num: dict[str, tuple[str | None, int | None]] = field(default_factory=dict)
    style_based: dict[str, str] = field(default_factory=dict)
    toc_styles: set[str] = field(default_factory=set)  # "toc 1"… / "目录 1"…: a table of contents
    counters: dict[str, dict[int, int]] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)

    def style_numbering(self, style: str | None) -> tuple[str | None, int | None]:
        num_id, ilvl, seen = None, None, set()
        while style and style not in seen:
            seen.add(style)
            s_num, s_lvl = self.style_num.get(style, (None, None))
            num_id = num_id if num_id is not None else s_num
            ilvl = ilvl if ilvl is not None else s_lvl
            style = self.style_based.get(style)
        return num_id, ilvl

    def _abstract_of(self, num_id: str) -> str | None:
        abstract = self.nums.get(num_id)
        for _ in range(3):  # numStyleLink -> style -> num -> abstract
            link = self.abstract_style_link.get(abstract or "")
            if not link:
                break
            linked_num = self.style_numbering(link)[0]
            abstract = self.nums.get(linked_num or "")
        return abstract

    def label(self, num_id: str | None, ilvl: int | None) -> str:
        """The number a reader sees before this paragraph ('' for none), advancing the counters."""
        if not num_id or num_id == "0":
            return ""
        abstract = self._abstract_of(num_id)
        if abstract is None:
            return ""
        ilvl = min(max(ilvl or 0, 0), 8)
        levels = {**self.abstract.get(abstract, {}), **self.level_overrides.get(num_id, {})}
        level = levels.get(ilvl)
        if level is None:
            return ""
        counters = self.counters.setdefault(abstract, {})
        if num_id not in self.used:
            self.used.add(num_id)
            for lvl, start in self.overrides.get(num_id, {}).items():
                counters[lvl] = start - 1
                for deeper in [k for k in counters if k > lvl]:
                    del counters[deeper]
        counters[ilvl] = counters[ilvl] + 1 if ilvl in counters else level.start
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if level.fmt == "bullet":
            bullet = "".join(_PUA_BULLET if 0xE000 <= ord(c) <= 0xF8FF else c for c in level.text)
            return (bullet or _PUA_BULLET) + ("" if level.suffix == "nothing" else " ")
        text = level.text
        for k in range(ilvl, -1, -1):
            if f"%{k + 1}" not in text:
                continue
            other = levels.get(k, _Level())
            value = counters.get(k, other.start)
            counters.setdefault(k, value)
            fmt = "decimal" if level.legal and other.fmt != "none" else other.fmt
            text = text.replace(f"%{k + 1}", format_number(value, fmt))
        if level.suffix != "nothing" and text and text[-1] not in "、，,．.)）:：]】":
            text += " "
        return text


def _val(element: Any, name: str) -> str | None:
    child = element.find(f"{{{W}}}{name}")
    return None if child is None else child.get(f"{{{W}}}val")


def _int(value: str | None, default: int | None = None) -> int | None:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _read_level(lvl: Any) -> _Level:
    text = lvl.find(f"{{{W}}}lvlText")
    return _Level(
        fmt=_val(lvl, "numFmt") or "decimal",
        text=(text.get(f"{{{W}}}val") or "") if text is not None else "",
        start=_int(_val(lvl, "start"), 1) or 0,
        suffix=_val(lvl, "suff") or "tab",
        legal=lvl.find(f"{{{W}}}isLgl") is not None and _val(lvl, "isLgl") not in ("0", "false"),
    )


def read_numbering(package: _Package, numbering_part: str | None, styles_part: str | None) -> Numbering:
    numbering = Numbering()
    if styles_part and styles_part in package.names:
        for _event, element in package.events(styles_part, ("end",)):
            if element.tag != f"{{{W}}}style":
                continue
            style_id = element.get(f"{{{W}}}styleId") or ""
            name = (_val(element, "name") or "").strip().lower()
            if name.startswith(("toc ", "toc heading", "目录")) or style_id.lower().startswith("toc"):
                numbering.toc_styles.add(style_id)
            based = _val(element, "basedOn")
            if based:
                numbering.style_based[style_id] = based
            num_pr = element.find(f"{{{W}}}pPr/{{{W}}}numPr")
            if num_pr is not None:
                numbering.style_num[style_id] = (_val(num_pr, "numId"), _int(_val(num_pr, "ilvl")))
            element.clear()
    if numbering_part and numbering_part in package.names:
        for _event, element in package.events(numbering_part, ("end",)):
            if element.tag == f"{{{W}}}abstractNum":
                aid = element.get(f"{{{W}}}abstractNumId") or ""
                levels = {}
                for lvl in element.iterfind(f"{{{W}}}lvl"):
                    levels[_int(lvl.get(f"{{{W}}}ilvl"), 0) or 0] = _read_level(lvl)
                numbering.abstract[aid] = levels
                link = _val(element, "numStyleLink")
                if link:
                    numbering.abstract_style_link[aid] = link
                element.clear()
            elif element.tag == f"{{{W}}}num":
                nid = element.get(f"{{{W}}}numId") or ""
                numbering.nums[nid] = _val(element, "abstractNumId") or ""
                for override in element.iterfind(f"{{{W}}}lvlOverride"):
                    ilvl = _int(override.get(f"{{{W}}}ilvl"), 0) or 0
                    start = _int(_val(override, "startOverride"))
                    if start is not None:
                        numbering.overrides.setdefault(nid, {})[ilvl] = start
                    lvl = override.find(f"{{{W}}}lvl")
                    if lvl is not None:
                        numbering.level_overrides.setdefault(nid, {})[ilvl] = _read_level(lvl)
                element.clear()
    return numbering
