"""Read YAML safely, remembering the line of every value.

PyYAML's safe constructor refuses Python tags; we compose the node tree
ourselves so each value's line is known, aliases are bounded (no alias
bombs), and size and depth limits hold before anything is built.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from printkit.errors import problem

MAX_YAML_BYTES = 2 * 1024 * 1024
MAX_NODES = 200_000
MAX_DEPTH = 64

Path_t = tuple[str | int, ...]
SAMPLE_TAG = "!sample"  # a placeholder value: printed marked SAMPLE, refused by --final


@dataclass
class Located:
    """A parsed YAML document plus the line of every value in it."""

    data: Any
    file: Path
    lines: dict[Path_t, int] = field(default_factory=dict)
    # Values written with the ``!sample`` tag: placeholders that mark a build SAMPLE.
    samples: set[Path_t] = field(default_factory=set)

    def line(self, path: Path_t) -> int | None:
        """Line of the value at ``path`` or, failing that, of its nearest parent."""
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get((), 1)

    def key_line(self, path: Path_t) -> int | None:
        """Line of the key that introduces ``path`` (falls back to the value's line)."""
        return self.lines.get(("<key>", *path)) or self.line(path)


class _Builder:
    def __init__(self, file: Path, display: str, offset: int = 0) -> None:
        self.file = file
        self.display = display
        self.offset = offset  # lines before the YAML text in its file
        self.lines: dict[Path_t, int] = {}
        self.samples: set[Path_t] = set()
        self.count = 0
        self.constructor = yaml.SafeLoader("")

    def fail(self, node: yaml.Node, message: str, hint: str = "") -> None:
        raise problem(self.display, node.start_mark.line + 1 + self.offset, message, hint)

    def build(self, node: yaml.Node, path: Path_t, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            self.fail(node, f"too many values (over {MAX_NODES:,}); is this a YAML alias bomb?",
                      "Remove the repeated '*alias' references.")
        if depth > MAX_DEPTH:
            self.fail(node, f"values nested deeper than {MAX_DEPTH} levels",
                      "Flatten the structure.")
        self.lines[path] = node.start_mark.line + 1 + self.offset
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.tag == SAMPLE_TAG:
            self.fail(node, "'!sample' marks one value, not a block or a list",
                      "Put '!sample' before each value that is a placeholder.")
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.tag not in (
                "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"):
            self.fail(node, f"unsupported YAML tag {node.tag!r}",
                      "printkit reads plain YAML only; remove the '!' tag.")
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    self.fail(key_node, "'<<' merge keys are not supported",
                              "Write the keys out, or use 'extends:' between kits.")
                key = self.scalar(key_node)
                if isinstance(key, bool) and key_node.style is None:
                    key = key_node.value  # a key reads as written: on, off, yes, no
                if not isinstance(key, str | int | float | bool) or isinstance(key, bool):
                    self.fail(key_node, "keys must be plain words",
                              "Write the key as text, e.g. 'title:'.")
                key = str(key)
                if key in out:
                    self.fail(key_node, f"'{key}' appears twice in the same block",
                              "Keep one of them.")
                self.lines[("<key>", *path, key)] = key_node.start_mark.line + 1 + self.offset
                out[key] = self.build(value_node, (*path, key), depth + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(v, (*path, i), depth + 1) for i, v in enumerate(node.value)]
        if node.tag == SAMPLE_TAG and isinstance(node, yaml.ScalarNode):
            self.samples.add(path)
            node = self._untagged(node)
        return self.scalar(node)

    def _untagged(self, node: yaml.ScalarNode) -> yaml.ScalarNode:
        """A ``!sample`` value read as it would be without the tag (a date stays a date)."""
        plain = node.style is None
        tag: str = self.constructor.resolve(  # type: ignore[no-untyped-call]
            yaml.ScalarNode, node.value, (plain, not plain))
        return yaml.ScalarNode(tag, node.value, node.start_mark, node.end_mark, node.style)

    def scalar(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            self.fail(node, "a list or block cannot be used as a key")
        try:
            value = self.constructor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            self.fail(node, f"unsupported YAML tag {node.tag!r}",
                      "printkit reads plain YAML only; remove the '!' tag.")
            raise AssertionError from exc  # unreachable: fail() raises
        if isinstance(value, bytes):
            self.fail(node, "binary values are not supported")
        if isinstance(value, dt.datetime):
            return value
        return value


def read_text(file: Path, display: str, limit: int = MAX_YAML_BYTES) -> str:
    """Read a small UTF-8 text file, with clear errors for every way it can fail."""
    try:
        size = file.stat().st_size
    except FileNotFoundError:
        raise problem(display, None, "file not found") from None
    except OSError as exc:
        raise problem(display, None, f"cannot read: {exc.strerror}") from None
    if not file.is_file():
        raise problem(display, None, "is not a file")
    if size > limit:
        raise problem(display, None,
                      f"file is {size:,} bytes; the limit is {limit:,}",
                      "Is this the right file?")
    raw = file.read_bytes()
    if b"\x00" in raw:
        raise problem(display, None, "this is a binary file, not text",
                      "Check that you named the right file.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise problem(display, line, "the file is not UTF-8 text",
                      "Save it as UTF-8 in your editor.") from None


def load_yaml(file: Path, display: str | None = None, *, empty_ok: bool = False) -> Located:
    """Parse one YAML document from ``file`` into plain Python values with line numbers."""
    display = display or str(file)
    return parse_yaml(read_text(file, display), file, display, empty_ok=empty_ok)


def parse_yaml(text: str, file: Path, display: str, *, empty_ok: bool = False,
               offset: int = 0) -> Located:
    """``load_yaml`` for YAML text that starts ``offset`` lines into ``file`` (e.g. a
    Markdown document's front matter): the one place YAML errors become messages."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        raise problem(display, None, f"values nested too deeply (over {MAX_DEPTH} levels)",
                      "Flatten the structure.") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + offset if mark else None
        what = exc.problem or "invalid YAML"
        raise problem(display, line, f"YAML syntax error: {what}",
                      "Check indentation and that every ':' is followed by a space; "
                      "quote text that contains ': ' or starts with a symbol.") from None
    except yaml.YAMLError as exc:
        raise problem(display, None, f"YAML error: {exc}") from None
    if node is None:
        if empty_ok:
            return Located({}, file, {(): 1})
        raise problem(display, None, "the file is empty", "Add the settings it needs.")
    builder = _Builder(file, display, offset)
    try:
        data = builder.build(node, (), 0)
    except RecursionError:
        raise problem(display, None, f"values nested too deeply (over {MAX_DEPTH} levels)",
                      "Flatten the structure.") from None
    return Located(data, file, builder.lines, builder.samples)


def as_mapping(loc: Located, display: str) -> Mapping[str, Any]:
    if not isinstance(loc.data, dict):
        raise problem(display, 1, "expected a block of 'key: value' settings at the top",
                      "Start the file with keys such as 'title:'.")
    return loc.data
