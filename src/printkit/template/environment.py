"""Jinja2 in a sandbox: confined loader, strict undefined, autoescape, dependency analysis."""

from __future__ import annotations

import difflib
import posixpath
import re
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jinja2
import jinja2.ext
import jinja2.meta
import jinja2.nodes
import jinja2.parser
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from printkit.errors import problem
from printkit.source.registry import Registry, Resource
from printkit.source.yamlio import parse_yaml, read_text
from printkit.template.filters import FILTERS, FilterError
from printkit.template.urls import anchor_urls

MAX_TEMPLATE_BYTES = 1024 * 1024
FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*\n", re.S)
DEFAULT_MARKDOWN_LAYOUT = "layouts/guide.html"
GLOBAL_NAMES = {"resource", "range", "lipsum", "dict", "cycler", "joiner", "namespace"}


class ConfinedLoader(jinja2.BaseLoader):
    """Loads templates only from inside templates/, after resolving symlinks."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def path_of(self, name: str) -> Path:
        path = (self.root / name).resolve()
        try:
            path.relative_to(self.root)
        except ValueError:
            raise jinja2.TemplateNotFound(name) from None  # outside templates/
        return path

    def folder_of(self, name: str) -> str:
        """The folder of template ``name``, from the project folder (templates/...)."""
        return posixpath.dirname(f"templates/{name}")

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str, Callable[[], bool]]:
        path = self.path_of(template)
        if not path.is_file():
            raise jinja2.TemplateNotFound(template)
        text = read_text(path, f"templates/{template}", MAX_TEMPLATE_BYTES)
        if template.endswith(".md"):
            text = FRONT_MATTER_RE.sub(lambda m: "\n" * m.group(0).count("\n"), text, count=1)
        else:  # its relative URLs are relative to its own folder
            text = anchor_urls(text, self.folder_of(template))
        mtime = path.stat().st_mtime
        return text, str(path), lambda: path.stat().st_mtime == mtime

    def list_templates(self) -> list[str]:
        return sorted(str(p.relative_to(self.root)) for p in self.root.rglob("*") if p.is_file())


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja2's sandbox, plus limits on arithmetic that could exhaust memory or time
    ('x' * 10**9, 9 ** 9 ** 9): a template is data, not a program."""

    intercepted_binops = frozenset({"*", "**"})
    MAX_REPEAT = 100_000

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and abs(right) > 64:
            raise SecurityError("exponents above 64 are not allowed in templates")
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if (isinstance(seq, str | list | tuple) and isinstance(count, int)
                        and count * max(len(seq), 1) > self.MAX_REPEAT):
                    raise SecurityError("repeating text or lists that many times is not "
                                        "allowed in templates")
        return super().call_binop(context, operator, left, right)


class NoteExtension(jinja2.ext.Extension):
    """``{% note %}Have legal review this page.{% endnote %}``: a note for the agency that
    prints nothing. ``printkit check`` and ``build`` report it, with its template and line,
    to the person building. Its text is plain words (no ``{{ }}``)."""

    tags = {"note"}  # noqa: RUF012 - the attribute Jinja reads

    def parse(self, parser: jinja2.parser.Parser) -> jinja2.nodes.Node:
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endnote",), drop_needle=True)
        text = " ".join(
            item.data for node in body if isinstance(node, jinja2.nodes.Output)
            for item in node.nodes if isinstance(item, jinja2.nodes.TemplateData))
        if any(not isinstance(item, jinja2.nodes.TemplateData) for node in body
               for item in getattr(node, "nodes", [node])):
            parser.fail("a {% note %} holds plain words only, no {{ }} or tags", lineno)
        call = self.call_method("_note", [jinja2.nodes.Const(" ".join(text.split()))],
                                lineno=lineno)
        return jinja2.nodes.ExprStmt(call, lineno=lineno)

    def _note(self, text: str) -> str:
        return ""


def notes_in(ast: jinja2.nodes.Template) -> list[tuple[str, int]]:
    """The agency notes in a parsed template: (text, line)."""
    out = []
    for call in ast.find_all(jinja2.nodes.Call):
        if (isinstance(call.node, jinja2.nodes.ExtensionAttribute)
                and call.node.name == "_note" and call.args
                and isinstance(call.args[0], jinja2.nodes.Const)):
            out.append((str(call.args[0].value), call.lineno))
    return out


def make_environment(templates_dir: Path, registry: Registry,
                     bytecode_cache: jinja2.BytecodeCache | None = None) -> jinja2.Environment:
    """The sandboxed environment. A ``bytecode_cache`` keeps compiled templates between
    builds (keyed by name and source checksum)."""
    env = _Sandbox(
        loader=ConfinedLoader(templates_dir),
        bytecode_cache=bytecode_cache,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=[NoteExtension],
    )
    env.filters.update(FILTERS)

    def resource(rid: str) -> Resource:
        entry = registry.get(rid)
        if entry is None:
            raise FilterError(f"resource id '{rid}' is not in data/resources.yaml")
        return entry

    env.globals["resource"] = resource
    env.globals["has_resource"] = lambda rid: registry.get(rid) is not None
    return env


def read_front_matter(path: Path, display: str) -> Mapping[str, Any]:
    text = read_text(path, display, MAX_TEMPLATE_BYTES)
    match = FRONT_MATTER_RE.match(text)
    if not match or not match.group(1):
        return {}
    data = parse_yaml(match.group(1), path, display, empty_ok=True, offset=1).data
    if not isinstance(data, dict):
        raise problem(display, 2, "front matter must be 'key: value' lines between '---' lines")
    return data


def _template_frame(exc: BaseException, templates_dir: Path,
                    depth: int = 1) -> tuple[str, int | None]:
    """Where in the templates ``exc`` was raised: the innermost template line (``depth``
    2: the line that called it, e.g. the use of a macro)."""
    root = str(templates_dir.resolve())
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if f.filename.startswith(root)]
    if not frames:
        return "templates/", None
    last = frames[-min(depth, len(frames))]
    return "templates/" + last.filename[len(root) + 1:], last.lineno


def render_template(env: jinja2.Environment, name: str, context: Mapping[str, Any],
                    templates_dir: Path, markdown_body: str | None = None) -> str:
    """Render a template to an HTML string, turning every failure into one clear message."""
    try:
        if markdown_body is not None:
            template = env.from_string(markdown_body)
        else:
            template = env.get_template(name)
        return template.render(context)
    except jinja2.UndefinedError as exc:
        if exc.message == "No caller defined":   # {{ foot() }} for {% call foot() %}
            file, line = _template_frame(exc, templates_dir, depth=2)
            raise problem(file, line, "a macro that holds a block of your markup was used "
                          "without one", "Write {% call name() %}...{% endcall %} around "
                          "what it holds, not {{ name() }}.") from None
        file, line = _template_frame(exc, templates_dir)
        missing = _undefined_name(str(exc.message))
        hint = (f"Give it a value in the kit's 'variables:', a --vars file, or --set "
                f"{missing}=VALUE." if missing else "Check the spelling of the name.")
        if missing:
            close = difflib.get_close_matches(missing, [str(k) for k in context], n=1)
            if close:
                hint = f"Did you mean '{close[0]}'? Otherwise: {hint[0].lower()}{hint[1:]}"
        raise problem(file, line, f"undefined variable: {exc.message}", hint) from None
    except SecurityError as exc:
        file, line = _template_frame(exc, templates_dir)
        raise problem(file, line, f"not allowed in a template: {exc}",
                      "Templates may only use variables, filters and the resource registry.") \
            from None
    except FilterError as exc:
        file, line = _template_frame(exc, templates_dir)
        raise problem(file, line, str(exc)) from None
    except jinja2.TemplateNotFound as exc:
        file, line = _template_frame(exc, templates_dir)
        raise problem(file, line, f"template '{exc.name}' not found",
                      "Check the name in {% extends %} / {% include %}; paths are "
                      "relative to templates/.") from None
    except jinja2.TemplateSyntaxError as exc:
        raise problem(f"templates/{exc.name or name}", exc.lineno,
                      f"template syntax error: {exc.message}", filter_hint(env, exc)) from None
    except RecursionError:
        raise problem(f"templates/{name}", None, "a macro or include calls itself without end",
                      "Check the template's macros and includes for a loop.") from None
    except (TypeError, ValueError, ArithmeticError, KeyError, IndexError, AttributeError) as exc:
        file, line = _template_frame(exc, templates_dir)
        raise problem(file, line, f"template error: {type(exc).__name__}: {exc}",
                      "Check the values this line uses.") from None


def filter_hint(env: jinja2.Environment, exc: jinja2.TemplateSyntaxError) -> str:
    match = re.search(r"No (filter|test) named '([^']+)'", str(exc.message))
    if not match:
        return ""

    known = env.filters if match.group(1) == "filter" else env.tests
    close = difflib.get_close_matches(match.group(2), list(known), n=1)
    if close:
        return f"Did you mean '{close[0]}'?"
    return f"Filters you can use: {', '.join(sorted(FILTERS))} and Jinja2's own."


def _undefined_name(message: str) -> str | None:
    match = re.search(r"'([A-Za-z_][A-Za-z0-9_]*)' is undefined", message)
    return match.group(1) if match else None
