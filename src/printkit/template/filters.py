"""Jinja2 filters for handouts: dates, phone numbers, QR codes, personalised fields."""

from __future__ import annotations

import calendar
import datetime as dt
import io
import re
from typing import Any

from markupsafe import Markup

from printkit.template.urls import project_url

NAMED_DATE_FORMATS = {
    "long": "{month} {day}, {year}",        # March 5, 2026
    "short": "{mon} {day}",                 # Mar 5
    "medium": "{mon} {day}, {year}",        # Mar 5, 2026
    "weekday": "{weekday}, {month} {day}",  # Thursday, March 5
    "full": "{weekday}, {month} {day}, {year}",
    "iso": "{iso}",
    "month": "{month} {year}",
}


class FilterError(ValueError):
    """A filter was given a value it cannot use; the message says what to fix."""


def to_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise FilterError(f"{value!r} is not a date; write dates as YYYY-MM-DD, e.g. 2026-03-05")


def format_date(value: Any, fmt: str = "long") -> str:
    d = to_date(value)
    if fmt in NAMED_DATE_FORMATS:
        return NAMED_DATE_FORMATS[fmt].format(
            month=calendar.month_name[d.month], mon=calendar.month_abbr[d.month],
            day=d.day, year=d.year, weekday=calendar.day_name[d.weekday()], iso=d.isoformat())
    if "%" in fmt:
        return d.strftime(fmt)
    raise FilterError(f"unknown date format {fmt!r}; use one of "
                      f"{', '.join(NAMED_DATE_FORMATS)} or a strftime pattern")


def add_days(value: Any, days: int) -> dt.date:
    return to_date(value) + dt.timedelta(days=int(days))


def add_weeks(value: Any, weeks: int) -> dt.date:
    return to_date(value) + dt.timedelta(weeks=int(weeks))


def add_months(value: Any, months: int) -> dt.date:
    d = to_date(value)
    index = d.month - 1 + int(months)
    year, month = d.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def add_years(value: Any, years: int) -> dt.date:
    return add_months(value, 12 * int(years))


def phone(value: Any) -> str:
    """Format a North American number as 1-800-267-5463 / 206-459-3020; short codes as is."""
    text = str(value).strip()
    digits = re.sub(r"\D", "", text)
    if len(digits) == 11 and digits.startswith("1"):
        return f"1-{digits[1:4]}-{digits[4:7]}-{digits[7:]}"
    if len(digits) == 10:
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    if 3 <= len(digits) <= 6 and digits == text:
        return digits
    raise FilterError(f"{value!r} does not look like a phone number (10 or 11 digits, "
                      "or a 3-6 digit short code)")


def qr(value: Any, scale: int = 4, dark: str = "#1b2a41") -> Markup:
    """An inline SVG QR code for a link (error correction M, no border clutter)."""
    import segno  # lazily: only templates with a QR code need it

    text = str(value).strip()
    if not text:
        raise FilterError("qr needs a link or text to encode")
    code = segno.make(text, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind="svg", scale=scale, dark=dark, border=2, xmldecl=False,
              svgns=True, title=f"QR code: {text}", nl=False)
    return Markup(out.getvalue().decode("utf-8"))


CSS_COLOR_RE = re.compile(
    r"^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}|rgb\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*\))$")


def css_color(value: Any) -> Markup:
    """A colour safe to place in a stylesheet: #hex, a colour name or rgb(r, g, b)."""
    text = str(value).strip()
    if not CSS_COLOR_RE.match(text):
        raise FilterError(f"{value!r} is not a colour; use a hex value such as '#1b2a41'")
    return Markup(text)


def css_string(value: Any) -> Markup:
    """Text as a quoted CSS string (for running headers and footers)."""
    text = re.sub(r"[ \t\r\n]+", " ", str(value)).strip()
    # A hex escape swallows one following space, so every escape carries its own.
    escaped = "".join(c if c.isascii() and (c.isalnum() or c in " .,:;!?'()-&/")
                      else f"\\{ord(c):06x} " for c in text)
    return Markup(f'"{escaped}"')


def field(value: Any) -> Markup:
    """A personalised value (e.g. a roster column) on a line of its own.

    In a roster build, documents whose rows differ only inside fields are rendered once and
    each row's text is printed into the slot (see fields.py); anything else is rendered per
    row. Outside rosters it is ordinary text."""
    return Markup('<span class="pk-field">{}</span>').format(str(value))


def keep(value: Any) -> Markup:
    """Text that must not break across lines: a phone number, a text code, a date."""
    return Markup('<span class="nobr">{}</span>').format(value)


FILTERS = {
    "asset": project_url,   # a path from the settings (logo, cover image) as /path
    "keep": keep,
    "field": field,
    "css_color": css_color,
    "css_string": css_string,
    "date": format_date,
    "add_days": add_days,
    "add_weeks": add_weeks,
    "add_months": add_months,
    "add_years": add_years,
    "phone": phone,
    "qr": qr,
}
