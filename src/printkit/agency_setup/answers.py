"""One answer to `printkit init` at a time: a name, a phone number, the website, a colour.
Each function returns the value as printkit.yaml writes it, or raises ``Invalid`` saying
what is wrong and how to write it."""

from __future__ import annotations

import math
import re
from urllib.parse import urlsplit

from printkit.preflight.findings import Rules, contrast

DEFAULT_COLORS = {"primary": "#1b2a41", "accent": "#2b7466", "warm": "#b3452e"}
COLOR_USES = {"primary": "headings, and the cover with white text on it",
              "accent": "callouts, icons", "warm": "warnings, crisis lines"}
PHONE_EXAMPLE = "555-010-4100"
PHONE_HINT = f"Write it like {PHONE_EXAMPLE}, or {PHONE_EXAMPLE} ext. 123 with an extension."
WHITE = (255, 255, 255)

EXTENSION_RE = re.compile(r"\s*,?\s*(?:ext\.?|extension|x)\s*(\d{1,6})\s*$", re.I)
NUMBER_RE = re.compile(r"\+?[\d\s().-]+")
HOST_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+")
HEX_RE = re.compile(r"#[0-9a-f]{6}")


class Invalid(ValueError):
    """One answer that cannot be used: what is wrong with it, and how to write it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}. {self.hint}" if self.hint else self.message


def one_line(text: str, what: str, limit: int) -> str:
    """A name printed on every page: one line of text, not empty, not too long."""
    value = " ".join(text.split())
    if not value:
        raise Invalid(f"the {what} is empty", "Give it as text, e.g. Springfield Police "
                      "Department.")
    if not value.isprintable():
        raise Invalid(f"the {what} {text!r} holds characters that do not print")
    if len(value) > limit:
        raise Invalid(f"the {what} is {len(value)} characters long; at most {limit} fit",
                      "Use a shorter form of it.")
    return value


def phone(text: str) -> str:
    """A US number in the house style: 555-010-4100, or 555-010-4100 ext. 123."""
    value, extension = text.strip(), ""
    found = EXTENSION_RE.search(value)
    if found:
        extension, value = found.group(1), value[:found.start()]
    if not value or not NUMBER_RE.fullmatch(value):
        raise Invalid(f"{text.strip()!r} is not a US phone number", PHONE_HINT)
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        raise Invalid(f"{text.strip()!r} is not a US phone number: it has {len(digits)} "
                      "digits, not 10", PHONE_HINT)
    number = f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return f"{number} ext. {extension}" if extension else number


def website(text: str) -> str:
    """An https address with a host name that has a dot in it."""
    value = text.strip()
    hint = "Write the whole address, e.g. https://www.springfield.gov/wellness."
    if not value.isprintable() or re.search(r"\s", value):
        raise Invalid(f"{value!r} is not a web address: it has spaces in it", hint)
    parts = urlsplit(value)
    if parts.scheme.lower() == "http":
        raise Invalid(f"{value!r} starts with http://; printkit prints https:// addresses only",
                      "Check that the site opens with https:// and write it so.")
    if parts.scheme.lower() != "https" or not value.lower().startswith("https://"):
        raise Invalid(f"{value!r} does not start with https://", hint)
    if parts.username is not None or parts.password is not None:
        raise Invalid(f"{value!r} has a user name or password in it", hint)
    try:
        parts.port  # noqa: B018  (raises for a port that is not a number)
    except ValueError:
        raise Invalid(f"{value!r} has a port that is not a number", hint) from None
    host = (parts.hostname or "").rstrip(".")
    if not HOST_RE.fullmatch(host):
        raise Invalid(f"{value!r} has no host name with a dot in it (like www.example.gov)",
                      hint)
    return value


def white_contrast(value: str) -> float:
    """The contrast of a #rrggbb colour with white (WCAG 2.1, preflight's formula)."""
    rgb = (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))
    return contrast(rgb, WHITE)


def colour(text: str, role: str) -> str:
    """A #rrggbb colour dark enough for text on white, and for white text on it."""
    value, default = text.strip().lower(), DEFAULT_COLORS[role]
    if not HEX_RE.fullmatch(value):
        raise Invalid(f"{text.strip()!r} is not a colour written #rrggbb",
                      f"e.g. {default} (the default {role} colour).")
    ratio, floor = white_contrast(value), Rules().contrast
    if ratio < floor:
        shown = math.floor(ratio * 100) / 100   # never rounded up to the floor
        raise Invalid(f"{value} has {shown:.2f}:1 contrast with white; the {role} colour "
                      f"({COLOR_USES[role]}) needs at least {floor:g}:1",
                      f"Use a darker shade: the default, {default}, has "
                      f"{white_contrast(default):.1f}:1.")
    return value


