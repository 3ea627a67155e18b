"""Notice PDF for a city-wide list: how long the formal notice (公示) takes to build for 500 units.

Builds the same document the public ``/notices/<nid>.pdf`` serves (evalflow.notice.pdf.build_formal:
A4, embedded CJK font, the list grouped by category, the QR code of the public page) for 500 unit
names in five categories, in process, and prints the median, minimum and maximum wall time and the
median CPU time over ``--runs`` builds, plus the PDF's size and page count. Target: ≤ 1 s.

    .venv/bin/python bench/notice_pdf_bench.py [--units 500] [--runs 7]
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

from pypdf import PdfReader

from evalflow.notice.pdf import FormalDoc, Group, build_formal

CATEGORIES = ("机关事业单位", "企业", "社区", "学校", "医院")


def document(units: int) -> FormalDoc:
    per = -(-units // len(CATEGORIES))
    groups = [
        Group(
            category,
            tuple(f"{category}示范单位第{n + 1:03d}号" for n in range(i * per, min(units, (i + 1) * per))),
        )
        for i, category in enumerate(CATEGORIES)
    ]
    return FormalDoc(
        title="关于2026年度全市文明单位拟表彰对象的公示",
        intro=[
            "为进一步做好文明单位评选工作,接受社会监督,现将拟表彰对象予以公示。",
            "经自愿申报、集中培训、集中汇报互评、综合评定,确定以下拟表彰对象。",
        ],
        groups=groups,
        closing=[
            "公示期:2026年12月1日至2026年12月7日(5个工作日)。",
            "联系电话:0591-12345678;电子邮箱:wmb@example.cn。",
        ],
        issuer="市精神文明建设委员会办公室",
        issued_on="2026年11月30日",
        url="https://evalflow.example.cn/notices/1",
        qr_caption="扫码查看公示详情、在线提交异议",
        list_heading="拟表彰对象名单",
        no_category="其他",
        doc_title="公示",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    doc = document(args.units)
    build_formal(doc)  # warm-up: font loading and reportlab's caches
    walls, cpus, pdf = [], [], b""
    for _ in range(args.runs):
        wall, cpu = time.perf_counter(), time.process_time()
        pdf = build_formal(doc)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    print(
        f"notice PDF, {args.units} units, {args.runs} runs: median {statistics.median(walls):.0f} ms "
        f"(min {min(walls):.0f}, max {max(walls):.0f}, cpu median {statistics.median(cpus):.0f} ms); "
        f"{len(pdf) / 1024:.0f} KB, {pages} pages"
    )


if __name__ == "__main__":
    main()
