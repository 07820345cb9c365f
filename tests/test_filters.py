"""Template filters: dates, phone numbers, QR codes, CSS values."""

from __future__ import annotations

import datetime as dt

import pytest

from printkit.template.filters import (
    FilterError,
    add_days,
    add_months,
    add_years,
    css_color,
    css_string,
    format_date,
    phone,
    qr,
)


def test_dates() -> None:
    d = dt.date(2026, 3, 2)
    assert format_date(d) == "March 2, 2026"
    assert format_date(d, "weekday") == "Monday, March 2"
    assert format_date("2026-03-02", "iso") == "2026-03-02"
    assert add_days(d, 7) == dt.date(2026, 3, 9)
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_years(dt.date(2028, 2, 29), 1) == dt.date(2029, 2, 28)
    with pytest.raises(FilterError, match="YYYY-MM-DD"):
        format_date("next Tuesday")
    with pytest.raises(FilterError, match="unknown date format"):
        format_date(d, "fancy")


def test_phone_numbers() -> None:
    assert phone("18002675463") == "1-800-267-5463"
    assert phone("(206) 459-3020") == "206-459-3020"
    assert phone("988") == "988"
    with pytest.raises(FilterError):
        phone("call me")


def test_qr_is_inline_svg() -> None:
    svg = str(qr("https://988lifeline.org"))
    assert svg.startswith("<svg") and "QR code: https://988lifeline.org" in svg
    with pytest.raises(FilterError):
        qr("  ")


def test_css_values_cannot_break_out() -> None:
    assert str(css_color("#1b2a41")) == "#1b2a41"
    with pytest.raises(FilterError):
        css_color("red; } body { display: none")
    quoted = str(css_string('Anytown "PD" } @import'))
    assert quoted.startswith('"') and quoted.endswith('"')
    assert '"PD"' not in quoted and "}" not in quoted[1:-1]
