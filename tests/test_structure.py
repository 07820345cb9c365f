"""The package's shape: size limits on its source, and WeasyPrint kept to the render stage.

Measured with ``ast`` over src/printkit/**/*.py, so the rules hold for every module, including
ones no test imports.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from .conftest import REPO

PACKAGE = REPO / "src" / "printkit"
MODULE_LINES = 400
CLASS_LINES = 250
FUNCTION_LINES = 60
LONG_FUNCTIONS_ALLOWED = 2

FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def modules() -> Iterator[tuple[str, str, ast.Module]]:
    """(path relative to src/, source, tree) for every module of the package."""
    paths = sorted(PACKAGE.rglob("*.py"))
    assert paths, f"no modules under {PACKAGE}"
    for path in paths:
        source = path.read_text(encoding="utf-8")
        yield str(path.relative_to(PACKAGE.parent)), source, ast.parse(source, str(path))


def span(node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from the first decorator to the last line of the body."""
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    assert node.end_lineno is not None
    return node.end_lineno - first + 1


def qualified(tree: ast.Module) -> Iterator[tuple[str, ast.AST]]:
    """Every class and function (methods and nested ones too) with its dotted name."""
    def walk(node: ast.AST, prefix: str) -> Iterator[tuple[str, ast.AST]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.ClassDef, *FUNCTIONS)):
                name = f"{prefix}{child.name}"
                yield name, child
                yield from walk(child, name + ".")
            else:
                yield from walk(child, prefix)
    yield from walk(tree, "")


def report(what: str, found: list[tuple[int, str]], limit: int) -> str:
    lines = [f"{where}: {size} lines" for size, where in sorted(found, reverse=True)]
    return f"{what} over {limit} lines:\n  " + "\n  ".join(lines)


def test_no_module_over_the_line_limit() -> None:
    long = [(len(source.splitlines()), name) for name, source, _ in modules()
            if len(source.splitlines()) > MODULE_LINES]
    assert not long, report("modules", long, MODULE_LINES)


def test_no_class_over_the_line_limit() -> None:
    long = [(span(node), f"{module}:{node.lineno} {name}")
            for module, _, tree in modules() for name, node in qualified(tree)
            if isinstance(node, ast.ClassDef) and span(node) > CLASS_LINES]
    assert not long, report("classes", long, CLASS_LINES)


def test_at_most_two_long_functions() -> None:
    long = [(span(node), f"{module}:{node.lineno} {name}")
            for module, _, tree in modules() for name, node in qualified(tree)
            if isinstance(node, FUNCTIONS) and span(node) > FUNCTION_LINES]
    assert len(long) <= LONG_FUNCTIONS_ALLOWED, (
        report("functions", long, FUNCTION_LINES)
        + f"\n(at most {LONG_FUNCTIONS_ALLOWED} are allowed)")


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def import_time_imports(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(line, module) of each import that runs when the module is imported: everything but
    imports inside functions and under ``if TYPE_CHECKING:``."""
    def walk(node: ast.AST) -> Iterator[tuple[int, str]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for other in child.orelse:
                    yield from walk_one(other)
                continue
            yield from walk_one(child)

    def walk_one(node: ast.AST) -> Iterator[tuple[int, str]]:
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.lineno, node.module
        elif not isinstance(node, (*FUNCTIONS, ast.Lambda)):
            yield from walk(node)
    yield from walk(tree)


def test_import_time_imports_finds_what_runs_on_import() -> None:
    tree = ast.parse(
        "import os, weasyprint.text\n"
        "from weasyprint import HTML\n"
        "from . import weasyprint as local\n"
        "if TYPE_CHECKING:\n    import weasyprint\nelse:\n    import json\n"
        "try:\n    import yaml\nexcept ImportError:\n    pass\n"
        "class A:\n    import re\n    def f(self):\n        import weasyprint\n"
        "def g():\n    import weasyprint\n")
    assert sorted(import_time_imports(tree)) == [
        (1, "os"), (1, "weasyprint.text"), (2, "weasyprint"), (7, "json"), (9, "yaml"),
        (13, "re")]


def test_weasyprint_is_imported_at_module_level_only_in_render() -> None:
    render = str(Path("printkit") / "render") + "/"
    found = [f"{module}:{line} imports {name}"
             for module, _, tree in modules() if not module.startswith(render)
             for line, name in import_time_imports(tree)
             if name == "weasyprint" or name.startswith("weasyprint.")]
    assert not found, ("WeasyPrint is loaded only by printkit.render, and lazily elsewhere:\n  "
                       + "\n  ".join(found))
