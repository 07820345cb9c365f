"""A document's own ``<style>`` sheets, parsed once per worker process and reused.

Every library handout carries its kit's stylesheet (5-30 KB) in a ``<style>`` element, and
WeasyPrint parses the ``<style>`` elements of each document it renders again: about a
tenth of a render. This module takes over WeasyPrint's ``find_stylesheets`` (the one
function that turns a document's ``<style>`` and ``<link>`` elements into parsed sheets)
with a copy that keeps each parsed ``<style>`` sheet by its text and base URL.

The cascade is untouched: a reused sheet is still one of the document's own (author)
sheets, in the same place, and adds the same ``@page`` rules to the document. Only sheets
whose parsing has no effect beyond the sheet itself are reused: none with ``@import``,
``@font-face``, ``@layer``, ``@counter-style`` or ``@color-profile`` (those fetch files or
change the document's state), and none that WeasyPrint warned about (its warnings are
reported for every document that has them). ``<link>`` sheets are read and parsed as
WeasyPrint does, so the files they name are recorded for every render.

Written against WeasyPrint 70 (pinned in pyproject.toml); tests/test_stylereuse.py renders
the same document before and after another and compares the files byte for byte.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

# At-rules whose parsing reaches outside the sheet: such a sheet is parsed every time.
_NOT_REUSED = ("@import", "@font-face", "@layer", "@counter-style", "@color-profile")

# Sheets kept per process: the library has a few dozen distinct ones.
_KEEP = 256


def install(warned: Callable[[], int]) -> None:
    """Make WeasyPrint reuse parsed ``<style>`` sheets. ``warned()`` counts the warnings
    WeasyPrint has logged so far (a sheet that adds to it is not kept)."""
    import weasyprint.css as wcss

    if getattr(wcss.find_stylesheets, "printkit_reuse", False):
        return
    original = wcss.find_stylesheets
    kept: dict[tuple[str, str | None, str], tuple[Any, list[Any]]] = {}

    def parsed(content: str, base_url: str | None, media_type: str, url_fetcher: Any,
               font_config: Any, counter_style: Any, color_profiles: Any,
               layers: list[Any]) -> tuple[Any, list[Any]]:
        key = (content, base_url, media_type)
        found = kept.get(key)
        if found is None:
            reusable = not any(rule in content.lower() for rule in _NOT_REUSED)
            before = warned()
            own_rules: list[Any] = []
            sheet = wcss.CSS(string=content, base_url=base_url, url_fetcher=url_fetcher,
                             media_type=media_type, font_config=font_config,
                             counter_style=counter_style, page_rules=own_rules,
                             color_profiles=color_profiles, layers=layers)
            found = (sheet, own_rules)
            if reusable and warned() == before and len(kept) < _KEEP:
                kept[key] = found
        return found

    def find_stylesheets(wrapper_element: Any, device_media_type: str, url_fetcher: Any,
                         base_url: str | None, font_config: Any, counter_style: Any,
                         color_profiles: Any, page_rules: list[Any],
                         layers: list[Any]) -> Iterator[Any]:
        for wrapper in wrapper_element.query_all("style", "link"):
            element = wrapper.etree_element
            if element.tag != "style":  # a <link>: read and parsed by WeasyPrint, in place
                yield from original(_One(wrapper), device_media_type, url_fetcher, base_url,
                                    font_config, counter_style, color_profiles, page_rules,
                                    layers)
                continue
            if element.get("type", "text/css").split(";", 1)[0].strip() != "text/css":
                continue
            media = [m.strip() for m in (element.get("media", "").strip() or "all").split(",")]
            if not wcss.media_queries.evaluate_media_query(media, device_media_type):
                continue
            sheet, own_rules = parsed(wcss.get_child_text(element), base_url,
                                      device_media_type, url_fetcher, font_config,
                                      counter_style, color_profiles, layers)
            page_rules.extend(own_rules)  # the document's @page rules, in source order
            view = copy.copy(sheet)       # as WeasyPrint makes it: the document's shared lists
            view.page_rules = page_rules
            view.layers = layers
            yield view

    find_stylesheets.printkit_reuse = True  # type: ignore[attr-defined]
    wcss.find_stylesheets = find_stylesheets


class _One:
    """One ``<link>`` element, seen by WeasyPrint's own ``find_stylesheets`` as a document
    of its own."""

    def __init__(self, wrapper: Any) -> None:
        self._wrapper = wrapper

    def query_all(self, *names: str) -> list[Any]:
        return [self._wrapper]
