"""Is a file what it says it is? A file whose XMP claims PDF/UA-1 (the reading copy,
handouts and roster packets) or PDF/A-2b (a ``--pdfa`` build) is checked against that
standard by an independent validator, the PyPI package ``page-validation``; each failed rule
becomes a finding with what to change. Words a text extractor reads letter by letter
(S U I C I D E) are found on the page as MuPDF reads it."""

from __future__ import annotations

import re
from multiprocessing import get_context, parent_process

from printkit.preflight.findings import Finding

# The validator's profile for each claim found in the XMP packet.
CLAIMS = (("ua1", re.compile(r"pdfuaid:part(?:>|=\")\s*1")),
          ("2b", re.compile(r"pdfaid:part(?:>|=\")\s*2")))

# What to change, by the start of the validator's rule id (after its profile prefix).
ADVICE = (
    ("FIGURE-ALTERNATIVE-TEXT", "give the image alt text in its template (alt=\"...\", or "
                                "<title> in an inline <svg>); decoration takes alt=\"\" or "
                                "aria-hidden=\"true\""),
    ("HEADING", "headings must not skip a level; check the template's <h1>-<h6>"),
    ("L-", "a list holds only list items; check the template's <ul>/<ol>"),
    ("LI-", "a list item must sit in a list; check the template's <li>"),
    ("TABLE", "check the template's table: header cells are <th>, rows are <tr>"),
    ("METADATA", "the file's metadata is incomplete: rebuild it with printkit"),
    ("ID-", "the file does not identify itself correctly: rebuild it with printkit"),
    ("DEVICE-", "a colour is drawn outside the file's colour profile: rebuild with "
                "printkit (a file made elsewhere must be exported as PDF/A)"),
    ("FONT", "a font is not embedded or has no Unicode map: use the packaged fonts"),
)
GENERAL = "the file does not conform: rebuild it with printkit, or export it again"

# Four or more single letters in a row, each on its own: a letter-spaced word read apart.
SPACED_RE = re.compile(r"(?<!\S)(?:[A-Za-z] ){3,}[A-Za-z](?!\S)")


def claims(xmp: str) -> list[str]:
    """The validator profiles a file's XMP packet claims conformance to."""
    return [profile for profile, pattern in CLAIMS if pattern.search(xmp)]


def _validate(data: bytes, profile: str) -> list[tuple[str, str]]:
    from page import validate_pdf_bytes

    report = validate_pdf_bytes(data, profile=profile)
    return sorted({(f.rule_id, f.message) for f in report.failures})


def failures(data: bytes, profile: str) -> list[tuple[str, str]]:
    """The rules (id, message) the PDF ``data`` fails of a validator profile ("ua1",
    "2b"). The validator works with a pool of threads, which a forked child inherits
    broken (it waits for them forever): a pool worker, which never forks, runs it itself;
    any other process (the command, a test) runs it in a child of its own, so that it can
    still fork its workers afterwards."""
    if parent_process() is not None:
        return _validate(data, profile)
    with get_context("fork").Pool(1) as pool:
        return pool.apply(_validate, (data, profile))


def conformance_findings(data: bytes, name: str, xmp: str) -> list[Finding]:
    """A finding for each rule the file fails of the standards it claims."""
    out: list[Finding] = []
    for profile in claims(xmp):
        label = "PDF/UA-1" if profile == "ua1" else "PDF/A-2b"
        for rule, message in failures(data, profile):
            key = rule.split("-", 1)[-1]
            advice = next((a for prefix, a in ADVICE if key.startswith(prefix)), GENERAL)
            out.append(Finding(name, 0, "conformance",
                               f"not {label} ({rule}: {message}): {advice}"))
    return out


def spaced_findings(text: str, name: str, number: int) -> list[Finding]:
    """Letter-spaced words that MuPDF reads back as separate letters in ``text``, a page's
    text as MuPDF extracts it."""
    found = SPACED_RE.findall(text.replace("\n", " "))
    if not found:
        return []
    return [Finding(name, number, "reads-apart",
                    f"'{found[0].strip()}' reads back as separate letters (letter-spacing "
                    "too wide for text extractors and screen readers): use 0.12em or less")]
