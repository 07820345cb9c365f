"""The Jinja2 sandbox, template analysis, Markdown and filters."""
