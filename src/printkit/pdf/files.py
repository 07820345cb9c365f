"""PDFs that come from outside printkit (spliced into a kit, or given to ``impose``): the one
place where pypdf's and pikepdf's errors about a file become a message for the person who
gave it."""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator

import pikepdf
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from printkit.errors import InputError, Problem

_BROKEN = (PdfReadError, pikepdf.PdfError, ValueError, KeyError, TypeError, IndexError)


@contextlib.contextmanager
def pdf_errors(display: str, where: str | None = None,
               line: int | None = None) -> Iterator[None]:
    """Work on the PDF ``display``: an error from the PDF libraries becomes one message,
    reported at ``where``:``line`` (or at the file itself); the libraries' own log lines
    about it are not printed."""
    log = logging.getLogger("pypdf")
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        yield
    except _BROKEN as exc:
        raise InputError([Problem(where or display, line,
                                  f"{display} is not a readable PDF ({exc})",
                                  "Open it in a PDF viewer and save a fresh copy.")]) from None
    finally:
        log.setLevel(level)


def readable_pdf(data: bytes, display: str, where: str | None = None,
                 line: int | None = None) -> int:
    """The page count of ``data``, a PDF named ``display``; an InputError if it is
    protected, empty or unreadable."""
    with pdf_errors(display, where, line):
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise InputError([Problem(where or display, line,
                                      f"{display} is password-protected",
                                      "Save an unprotected copy and use that.")])
        count = len(reader.pages)
        if count:
            reader.pages[0].mediabox  # noqa: B018 - a page without a size is unusable
    if count == 0:
        raise InputError([Problem(where or display, line, f"{display} has no pages")])
    return count
