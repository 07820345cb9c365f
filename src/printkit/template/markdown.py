"""Markdown documents: Jinja2 over the text, markdown-it to HTML, placed in their layout."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup

from printkit.template.environment import (
    DEFAULT_MARKDOWN_LAYOUT,
    ConfinedLoader,
    read_front_matter,
    render_template,
)
from printkit.template.urls import anchor_urls


def render_markdown(env: jinja2.Environment, name: str, context: Mapping[str, Any],
                    templates_dir: Path) -> str:
    """Markdown document: Jinja2 over the text, markdown-it to HTML, placed in its layout."""
    loader = env.loader
    assert isinstance(loader, ConfinedLoader)
    loader.get_source(env, name)  # not found, too large: said before anything renders
    front = read_front_matter(loader.path_of(name), f"templates/{name}")
    layout = str(front.get("layout", DEFAULT_MARKDOWN_LAYOUT))
    text = render_template(env, name, context, templates_dir)
    md = MarkdownIt("commonmark", {"html": False, "typographer": True}).enable(
        ["table", "strikethrough", "replacements", "smartquotes"])
    body = anchor_urls(md.render(text), loader.folder_of(name))
    wrapper = ("{% extends " + repr(layout) + " %}"
               "{% block content %}{{ __markdown__ }}{% endblock %}")
    ctx = {**context, "__markdown__": Markup(body),
           "front": front}
    if "title" in front and not context.get("doc", {}).get("title"):
        ctx["doc"] = {**context.get("doc", {}), "title": front["title"]}
    return render_template(env, layout, ctx, templates_dir, markdown_body=wrapper)
