"""The documents of the notice phase: the standard text of a notice (shared by its page and its PDF,
so the two cannot disagree), the notice and commendation PDFs, the certificates, the Atom feed, and
the archive of a finished campaign.
"""

from __future__ import annotations

import io
import itertools
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape, quoteattr

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for

from evalflow.extensions import db
from evalflow.notice import commendation, objections, rules
from evalflow.notice import service as notice
from evalflow.notice.models import Notice
from evalflow.notice.pdf import Certificate, FormalDoc, Group, build_certificates, build_formal
from evalflow.shared import clock
from evalflow.shared.access import Action, Actor
from evalflow.shared.audit.models import AuditEntry
from evalflow.shared.campaigns.models import Campaign, Unit
from evalflow.shared.campaigns.service import require
from evalflow.shared.files import csvfile
from evalflow.shared.messages import N_, msg
from evalflow.tally import reports as tally_reports
from evalflow.tally import service as tally

DEFAULT_ISSUER = "精神文明建设委员会办公室"


def issuer() -> str:
    return str(current_app.config.get("NOTICE_ISSUER") or DEFAULT_ISSUER)


def public_url(endpoint: str, **values: object) -> str:
    """An absolute URL of a public page (``PUBLIC_BASE_URL`` wins over the request's host)."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if has_request_context():
        if not base:
            return url_for(endpoint, _external=True, **values)
        return base.rstrip("/") + url_for(endpoint, **values)
    adapter = current_app.url_map.bind(current_app.config.get("SERVER_NAME") or "localhost")
    return (base or "http://localhost").rstrip("/") + adapter.build(endpoint, values)


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class NoticeText:
    """The standard body of a notice, in the order it is printed."""

    title: str
    purpose: str
    steps: str
    list_heading: str
    period: str
    how_to_object: list[str]
    rules_text: str
    issuer: str
    issued_on: str
    form_url: str
    page_url: str


def notice_text(item: Notice, translate: Callable[[str], str] | None = None) -> NoticeText:
    """The standard text of *item*: Chinese as printed (PDF, feed), or in the reader's language when
    *translate* is given (the HTML page). User text (titles, names, addresses) is never translated."""
    campaign = commendation.campaign_of_notice(item)
    units = notice.units_of(item)
    contact = item.contact or {}
    t = translate or (lambda s: s)
    steps = t(N_("、")).join(t(step) for step in rules.STEPS)
    form_url = public_url("notices.objection_form", nid=item.id)
    # Issued the day it is published, and never after its first day.
    published = (
        min(clock.local(item.published_at).date(), item.starts_on) if item.published_at else item.starts_on
    )
    return NoticeText(
        title=item.title,
        purpose=msg(
            N_(
                "为树立文明创建先进典型,发挥示范引领作用,根据%(campaign)s工作安排,按照公开、公平、公正的原则,"
                "%(issuer)s组织开展了评选工作。为广泛听取社会各界意见,接受群众监督,现将拟表彰的 %(n)d 个单位名单予以公示。"
            ),
            campaign=f"“{campaign.title}”",
            issuer=issuer(),
            n=len(units),
        ).render(translate),  # fmt: skip
        steps=msg(N_("本次评选已完成%(steps)s等程序。"), steps=steps).render(translate),
        list_heading=msg(N_("拟表彰单位名单(按类别排列,排名不分先后)")).render(translate),
        period=msg(
            N_("公示时间:%(start)s至%(end)s(%(n)d 个工作日)。"),
            start=chinese_date(item.starts_on),
            end=chinese_date(item.ends_on),
            n=campaign.notice_working_days,
        ).render(translate),  # fmt: skip
        how_to_object=[
            msg(N_("网上提交:%(url)s"), url=form_url).render(translate),
            msg(N_("电话:%(phone)s"), phone=contact.get("phone", "")).render(translate),
            msg(N_("电子邮箱:%(email)s"), email=contact.get("email", "")).render(translate),
            msg(
                N_("通信地址:%(address)s(邮政编码:%(postcode)s)"),
                address=contact.get("address", ""),
                postcode=contact.get("postcode", ""),
            ).render(translate),  # fmt: skip
        ],
        rules_text=msg(
            N_(
                "反映情况应实事求是、客观公正。个人反映须提供真实姓名和联系电话,单位反映须加盖公章;"
                "不受理匿名异议。我们将对反映人的信息严格保密。"
            )
        ).render(translate),  # fmt: skip
        issuer=issuer(),
        issued_on=chinese_date(published),
        form_url=form_url,
        page_url=public_url("notices.notice_page", nid=item.id),
    )


def _groups(units: list[Unit]) -> list[Group]:
    return [Group(category, tuple(u.name for u in members)) for category, members in notice.grouped(units)]


def notice_pdf(item: Notice) -> bytes:
    text = notice_text(item)
    intro = [text.purpose, text.steps]
    closing = [
        text.period,
        msg(N_("公示期间,如对公示单位有异议,可通过以下方式反映:")).render(),
        *text.how_to_object,
        text.rules_text,
    ]
    return build_formal(
        FormalDoc(
            title=text.title, intro=intro, groups=_groups(notice.units_of(item)), closing=closing,
            issuer=text.issuer, issued_on=text.issued_on, url=text.page_url,
            qr_caption=msg(N_("扫码查看公示详情、在线提交异议")).render(), list_heading=text.list_heading,
            no_category=msg(N_("其他")).render(), doc_title=text.title,
        )
    )  # fmt: skip


def honour(campaign: Campaign) -> str:
    """The title conferred: "2026年度文明单位评选" → "2026年度文明单位"."""
    base = campaign.title.strip().removesuffix("评选").removesuffix("活动").strip()
    return base if base.endswith("文明单位") else msg(N_("%(title)s文明单位"), title=base).render()


def commendation_title(campaign: Campaign) -> str:
    return msg(N_("关于命名%(honour)s的决定"), honour=honour(campaign)).render()


def commendation_pdf(campaign: Campaign, units: list[Unit]) -> bytes:
    item = commendation.final_notice(campaign)
    period = ""
    if item is not None:
        period = msg(
            N_("经%(steps)s等程序,并于%(start)s至%(end)s在媒体公示,决定命名以下 %(n)d 个单位为“%(honour)s”。"),
            steps="、".join(rules.STEPS), start=chinese_date(item.starts_on), end=chinese_date(item.ends_on),
            n=len(units), honour=honour(campaign),
        ).render()  # fmt: skip
    return build_formal(
        FormalDoc(
            title=commendation_title(campaign),
            intro=[period, msg(N_("希望受到表彰的单位珍惜荣誉,再接再厉,充分发挥示范引领作用。")).render()],
            groups=_groups(units), issuer=issuer(), issued_on=chinese_date(clock.today()),
            url=public_url("notices.commendation_page", cid=campaign.id),
            qr_caption=msg(N_("扫码查看命名表彰名单")).render(),
            list_heading=msg(N_("命名表彰名单")).render(), no_category=msg(N_("其他")).render(),
        )
    )  # fmt: skip


def certificates_pdf(campaign: Campaign, units: list[Unit]) -> bytes:
    today = chinese_date(clock.today())
    return build_certificates(
        [
            Certificate(
                unit=u.name, honour=honour(campaign),
                issuer=issuer(), issued_on=today, serial=f"No. {campaign.id:04d}-{u.id:05d}",
            )
            for u in units
        ],
        title=msg(N_("荣誉证书")).render(),
    )  # fmt: skip


# --- the Atom feed ---------------------------------------------------------------------------------


def atom_feed() -> str:
    """An Atom 1.0 feed of the published notices (newest first); every text is XML-escaped."""
    items = notice.published_notices()
    feed_url = public_url("notices.feed")
    updated = max((n.published_at for n in items if n.published_at), default=None)
    stamp = (updated or clock.now()).isoformat()
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">',
        f"<title>{escape(msg(N_('评选表彰公示')).render())}</title>",
        f"<id>{escape(feed_url)}</id>",
        f'<link rel="self" href={quoteattr(feed_url)}/>',
        f"<updated>{stamp}</updated>",
        f"<author><name>{escape(issuer())}</name></author>",
    ]
    for item in items:
        text = notice_text(item)
        names = "、".join(u.name for u in notice.units_of(item))
        summary = f"{text.period} {names}"
        parts += [
            "<entry>",
            f"<title>{escape(item.title)}</title>",
            f"<id>{escape(text.page_url)}</id>",
            f'<link rel="alternate" type="text/html" href={quoteattr(text.page_url)}/>',
            f'<link rel="enclosure" type="application/pdf" href={quoteattr(public_url("notices.notice_pdf", nid=item.id))}/>',
            f"<published>{item.published_at.isoformat() if item.published_at else stamp}</published>",
            f"<updated>{item.published_at.isoformat() if item.published_at else stamp}</updated>",
            f'<summary type="text">{escape(summary)}</summary>',
            "</entry>",
        ]
    parts.append("</feed>")
    return "\n".join(parts)


# --- the archive of a finished campaign ------------------------------------------------------------


def _audit_csv(campaign_id: int) -> bytes:
    """The campaign's audit log in chain order, with each entry's place in the hash chain."""
    stmt = (
        sa.select(AuditEntry)
        .where(AuditEntry.campaign_id == campaign_id)
        .order_by(AuditEntry.seq.is_(None), AuditEntry.seq, AuditEntry.id)
    )
    header = ["seq", "time", "actor", "action", "subject_type", "subject_id", "from", "to", "reason", "data",
              "prev_hash", "entry_hash"]  # fmt: skip
    rows = (
        [e.seq, e.created_at.isoformat(), e.actor_label, e.action, e.subject_type, e.subject_id or "",
         e.from_state or "", e.to_state or "", e.reason, json.dumps(e.data, ensure_ascii=False, sort_keys=True),
         e.prev_hash or "", e.entry_hash or ""]
        for e in db.session.scalars(stmt)
    )  # fmt: skip
    return csvfile.data(itertools.chain([header], rows))


def _units_csv(campaign: Campaign, commended: set[int]) -> bytes:
    units = db.session.scalars(sa.select(Unit).where(Unit.campaign_id == campaign.id).order_by(Unit.id))
    rows = ([u.id, u.name, u.category, "yes" if u.id in commended else "no"] for u in units)
    return csvfile.data(itertools.chain([["id", "name", "category", "commended"]], rows))


def _objections_csv(views: list[objections.ObjectionView]) -> bytes:
    rows = [["id", "unit", "kind", "state", "received", "reply_due_on", "resolved", "reply"]]
    for v in views:
        o = v.objection
        rows.append([
            o.id, v.unit.name, o.kind.value, v.state, o.created_at.isoformat(),
            o.reply_due_on.isoformat() if o.reply_due_on else "", o.resolved_at.isoformat() if o.resolved_at else "",
            o.reply,
        ])  # fmt: skip
    return csvfile.data(rows)


def _tally_files(actor: Actor, campaign: Campaign) -> dict[str, bytes]:
    """The tally's PDF and CSV and the pseudonymized ballots with their digest (tally.service)."""
    return {
        "tally.pdf": tally_reports.tally_pdf(actor, campaign),
        "tally.csv": tally_reports.tally_csv(actor, campaign).encode("utf-8"),
        "ballots.csv": tally.export_ballots_csv(actor, campaign).encode("utf-8"),
    }


def archive_zip(actor: Actor, campaign: Campaign) -> bytes:
    """The record of a finished campaign (office, ``final`` only): the notice, commendation and
    certificate PDFs, the tally (PDF, CSV) and the ballots with their digest, the units, objections
    and audit log as CSV."""
    require(actor, Action.ARCHIVE_DOWNLOAD, campaign)
    commended = commendation.commended_units(campaign)
    item = commendation.final_notice(campaign)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if item is not None:
            archive.writestr("notice.pdf", notice_pdf(item))
        archive.writestr("commendation.pdf", commendation_pdf(campaign, commended))
        archive.writestr("certificates.pdf", certificates_pdf(campaign, commended))
        for name, content in _tally_files(actor, campaign).items():
            archive.writestr(name, content)
        archive.writestr("units.csv", _units_csv(campaign, {u.id for u in commended}))
        archive.writestr("objections.csv", _objections_csv(objections.list_objections(actor, campaign)))
        archive.writestr("audit_log.csv", _audit_csv(campaign.id))
        archive.writestr(
            "campaign.json",
            json.dumps(
                {"id": campaign.id, "title": campaign.title, "phase": campaign.phase.value,
                 "commended": [{"id": u.id, "name": u.name, "category": u.category} for u in commended]},
                ensure_ascii=False, indent=2,
            ),
        )  # fmt: skip
    return buffer.getvalue()
