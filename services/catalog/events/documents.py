"""What an event hands out: the QR code of a registration (SVG), the personal agenda as iCalendar and as a
printable HTML page."""

import io
from datetime import datetime
from html import escape

import qrcode
import qrcode.image.svg
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from services.catalog.events.models import Event
from services.catalog.events.schemas import MeetingPublic
from services.catalog.workflow.contracts import CHINA

PRODID = "-//duijie//events//ZH"


def qr_svg(text: str) -> bytes:
    """A QR code carrying `text`, as an SVG image."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def _partner(m: MeetingPublic, registration_id: int) -> tuple[str, str | None]:
    if m.first_id == registration_id:
        return m.second_name or str(m.second_id), m.second_contact
    return m.first_name or str(m.first_id), m.first_contact


def agenda_ics(*, event: Event, registration_id: int, meetings: list[MeetingPublic], now: datetime) -> bytes:
    """The participant's meetings as an iCalendar file (one VEVENT per meeting)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", event.title)
    for m in meetings:
        partner, contact = _partner(m, registration_id)
        item = CalendarEvent()
        item.add("uid", f"duijie-event-{event.id}-meeting-{m.id}@duijie")
        item.add("dtstamp", now)
        item.add("dtstart", m.starts_at)
        item.add("dtend", m.ends_at)
        item.add("summary", f"洽谈：{partner}（{m.table_no + 1} 号桌）")
        item.add("location", event.venue or event.online_link or "")
        item.add("description", f"{event.title}；对方：{partner}" + (f"；联系方式：{contact}" if contact else ""))
        cal.add_component(item)
    return cal.to_ical()


def agenda_html(*, event: Event, organisation: str, registration_id: int, meetings: list[MeetingPublic]) -> str:
    """The participant's agenda as a page to print (one table, a print stylesheet)."""
    rows = "".join(
        f"<tr><td>{m.starts_at.astimezone(CHINA):%H:%M}–{m.ends_at.astimezone(CHINA):%H:%M}</td>"
        f"<td>{m.table_no + 1}</td>"
        f"<td>{escape(_partner(m, registration_id)[0])}</td><td>{escape(_partner(m, registration_id)[1] or '')}</td></tr>"
        for m in meetings) or '<tr><td colspan="4">暂无洽谈安排 / no meetings yet</td></tr>'
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(event.title)} · 洽谈日程</title>
<style>body{{font-family:sans-serif;margin:1.5rem}}table{{border-collapse:collapse;width:100%}}
td,th{{border:1px solid #999;padding:.4rem;text-align:left}}
@media print{{body{{margin:0}}.no-print{{display:none}}}}</style></head>
<body><h1>{escape(event.title)}</h1>
<p>{escape(organisation)} · {event.starts_at.astimezone(CHINA):%Y-%m-%d} · {escape(event.venue or event.online_link or '')}</p>
<p class="no-print"><button onclick="window.print()">打印 / Print</button></p>
<table><thead><tr><th>时间（北京时间）Time (China)</th><th>桌号 Table</th><th>对方 Partner</th><th>联系方式 Contact</th></tr></thead>
<tbody>{rows}</tbody></table></body></html>"""
